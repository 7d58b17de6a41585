using GenPipe.Abstractions.Plugins;

namespace FuturePlugin;

/// <summary>A plugin for contracts 2.0.</summary>
public sealed class FuturePluginEntry : IGenPipePlugin
{
    public void Configure(object plugin)
    {
    }
}
