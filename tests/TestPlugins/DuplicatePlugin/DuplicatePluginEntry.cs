using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Plugins;

namespace DuplicatePlugin;

/// <summary>Claims EchoPlugin's id <c>test/echo</c> (rejected) and an id of its own (kept).</summary>
public sealed class DuplicatePluginEntry : IGenPipePlugin
{
    public void Configure(IGenPipePluginBuilder plugin)
    {
        plugin.AddComponent(ComponentDescriptor.Create<string, NoOptions>("test/echo", "A second echo.", _ => "duplicate"));
        plugin.AddComponent(ComponentDescriptor.Create<string, NoOptions>("test/duplicate-own", "Its own id.", _ => "own"));
    }
}
