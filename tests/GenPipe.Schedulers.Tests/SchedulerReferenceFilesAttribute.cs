using System.Reflection;
using Xunit.Sdk;

namespace GenPipe.Schedulers.Tests;

/// <summary>
/// Theory data: every reference file the test class covers (see <see cref="CoversSchedulerAttribute"/>), from the
/// bundled <c>Refs</c> folder and from the folder named by <c>GENPIPE_SCHEDULER_REFS</c> when it is set.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SchedulerReferenceFilesAttribute : DataAttribute
{
    /// <summary>The environment variable naming an extra folder of reference files.</summary>
    public const string ExternalFolderVariable = "GENPIPE_SCHEDULER_REFS";

    /// <summary>The one theory case of a class declared <see cref="CoversSchedulerAttribute.WithoutReferences"/>.</summary>
    public const string NoReferences = "(no diffusers references)";

    /// <inheritdoc />
    public override IEnumerable<object[]> GetData(MethodInfo testMethod)
    {
        ArgumentNullException.ThrowIfNull(testMethod);
        // Inherited test methods are reflected from the concrete subclass, which carries the declaration.
        Type testClass = testMethod.ReflectedType ?? throw new InvalidOperationException("The test method has no class.");
        var covers = testClass.GetCustomAttribute<CoversSchedulerAttribute>()
            ?? throw new InvalidOperationException($"{testClass.Name} must declare [CoversScheduler(...)].");

        string bundled = Path.Combine(AppContext.BaseDirectory, "Refs");
        if (covers.WithoutReferences)
        {
            // xunit fails a theory without data; this case states that the class is checked by its own facts instead.
            string? claimed = Directory.GetFiles(bundled, "*.json.gz").FirstOrDefault(covers.Claims);
            if (claimed is not null)
            {
                throw new InvalidOperationException($"{testClass.Name} declares WithoutReferences, but {Path.GetFileName(claimed)} is a reference for it.");
            }

            yield return [NoReferences];
            yield break;
        }

        foreach (string path in Directory.GetFiles(bundled, "*.json.gz").Order(StringComparer.Ordinal))
        {
            if (covers.Claims(path))
            {
                yield return [Path.GetFileName(path)];
            }
        }

        string? external = Environment.GetEnvironmentVariable(ExternalFolderVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            if (!Directory.Exists(external))
            {
                throw new DirectoryNotFoundException($"{ExternalFolderVariable} names '{external}', which is not a folder.");
            }

            var files = Directory.GetFiles(external, "*.json").Concat(Directory.GetFiles(external, "*.json.gz"));
            foreach (string path in files.Order(StringComparer.Ordinal))
            {
                if (covers.Claims(path))
                {
                    yield return [Path.GetFullPath(path)];
                }
            }
        }
    }

    /// <summary>The path of a theory argument: a bundled file name or an absolute external path.</summary>
    public static string Resolve(string file) =>
        Path.IsPathRooted(file) ? file : Path.Combine(AppContext.BaseDirectory, "Refs", file);
}
