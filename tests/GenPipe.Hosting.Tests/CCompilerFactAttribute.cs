using System.Diagnostics;
using Xunit;

namespace GenPipe.Hosting.Tests;

/// <summary>A fact that needs a C compiler to build its native library; skipped, with the reason, where there is none.</summary>
public sealed class CCompilerFactAttribute : FactAttribute
{
    public CCompilerFactAttribute()
    {
        if (Compiler is null)
        {
            Skip = "No C compiler (cc, gcc or clang) on PATH, so the native test library cannot be built.";
        }
    }

    /// <summary>The first C compiler found on PATH, or null.</summary>
    public static string? Compiler { get; } = FindCompiler();

    /// <summary>Compiles <paramref name="source"/> into the shared library <paramref name="output"/>.</summary>
    public static void CompileSharedLibrary(string source, string output)
    {
        var start = new ProcessStartInfo(Compiler!, ["-shared", "-fPIC", "-O1", "-o", output, source])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Compiler} failed ({process.ExitCode}): {errors}");
        }
    }

    private static string? FindCompiler()
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        string[] folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return new[] { "cc", "gcc", "clang" }
            .SelectMany(name => folders.Select(folder => Path.Combine(folder, name)))
            .FirstOrDefault(File.Exists);
    }
}
