using GenPipe.Abstractions.Plugins;

namespace NoEntryPlugin;

/// <summary>Abstract, so not an entry point: the host reports that the assembly has none.</summary>
public abstract class NotAnEntryPoint : IGenPipePlugin
{
    public abstract void Configure(IGenPipePluginBuilder plugin);
}
