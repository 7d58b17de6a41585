namespace GenPipe.Hosting.Plugins;

/// <summary>A plugin that was skipped.</summary>
/// <param name="Path">The plugin assembly or folder.</param>
/// <param name="Reason">Why it was skipped and, where possible, how to fix it.</param>
public sealed record PluginLoadFailure(string Path, string Reason)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Reason}";
}
