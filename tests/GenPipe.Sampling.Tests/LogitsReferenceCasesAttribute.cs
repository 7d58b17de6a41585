using System.Reflection;
using Xunit.Sdk;

namespace GenPipe.Sampling.Tests;

/// <summary>
/// Theory data: (file, case) for every case of every logits reference file, from the bundled <c>Refs</c> folder and
/// from the folder named by <c>GENPIPE_LOGITS_REFS</c> when it is set.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class LogitsReferenceCasesAttribute : DataAttribute
{
    /// <summary>The environment variable naming an extra folder of reference files.</summary>
    public const string ExternalFolderVariable = "GENPIPE_LOGITS_REFS";

    /// <summary>The bundled reference folder.</summary>
    public static string BundledFolder => Path.Combine(AppContext.BaseDirectory, "Refs");

    /// <summary>Every reference file: the bundled ones, then the external folder's.</summary>
    public static IEnumerable<string> Files()
    {
        foreach (string file in Directory.GetFiles(BundledFolder, "*.json.gz").Order(StringComparer.Ordinal))
        {
            yield return file;
        }

        if (Environment.GetEnvironmentVariable(ExternalFolderVariable) is { Length: > 0 } external)
        {
            if (!Directory.Exists(external))
            {
                throw new DirectoryNotFoundException($"{ExternalFolderVariable} names '{external}', which is not a folder.");
            }

            foreach (string file in Directory.GetFiles(external).Where(f => f.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".json.gz", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal))
            {
                yield return file;
            }
        }
    }

    /// <inheritdoc />
    public override IEnumerable<object[]> GetData(MethodInfo testMethod)
    {
        foreach (string file in Files())
        {
            foreach (LogitsRefCase refCase in LogitsRefFile.Load(file).Cases)
            {
                yield return [file, refCase.Name];
            }
        }
    }
}
