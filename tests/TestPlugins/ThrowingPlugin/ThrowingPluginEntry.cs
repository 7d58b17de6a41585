using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Plugins;

namespace ThrowingPlugin;

/// <summary>Registers one component, then fails: nothing it registered may reach the catalog.</summary>
public sealed class ThrowingPluginEntry : IGenPipePlugin
{
    public void Configure(IGenPipePluginBuilder plugin)
    {
        plugin.AddComponent(ComponentDescriptor.Create<string, NoOptions>("test/half-registered", "Never visible.", _ => "no"));
        throw new InvalidOperationException("ThrowingPlugin cannot find its configuration");
    }
}
