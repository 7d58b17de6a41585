using GenPipe.Hosting.Plugins;

namespace GenPipe.Hosting;

/// <summary>
/// What <c>AddGenPipe()</c> and its builder recorded, kept as one singleton instance in the service collection; its
/// presence also makes <c>AddGenPipe()</c> idempotent.
/// </summary>
internal sealed class GenPipeRegistrationState
{
    public HashSet<Type> StaticPluginTypes { get; } = [];

    public List<PluginRegistrations> StaticPlugins { get; } = [];

    public List<string> PluginPaths { get; } = [];
}
