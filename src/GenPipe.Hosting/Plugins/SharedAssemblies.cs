namespace GenPipe.Hosting.Plugins;

/// <summary>
/// The assemblies a plugin shares with the host instead of loading its own copy. Types that cross the plugin boundary
/// (the contracts, tensors, modules, tokenizers, DI and logging abstractions) must come from one assembly, or a plugin's
/// <c>IGenPipePlugin</c> would be a different type from the host's and the cast would fail.
/// </summary>
public static class SharedAssemblies
{
    /// <summary>The simple names of the shared assemblies.</summary>
    public static IReadOnlySet<string> Names { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "GenPipe.Abstractions",
        "GenPipe.Tensors",
        "GenPipe.Nn",
        "GenPipe.Text",
        "System.Numerics.Tensors",
        "Microsoft.Extensions.DependencyInjection.Abstractions",
        "Microsoft.Extensions.Logging.Abstractions",
        "Microsoft.Extensions.Options",
        "Microsoft.Extensions.Primitives", // Options exposes its types (IChangeToken), so it must unify too.
    };

    /// <summary>True when <paramref name="simpleName"/> resolves from the host.</summary>
    public static bool Contains(string? simpleName) => simpleName is not null && Names.Contains(simpleName);
}
