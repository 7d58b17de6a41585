using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Plugins;

namespace LibV1Plugin;

/// <summary>Reports the version of its private TestLib dependency.</summary>
public sealed class LibV1PluginEntry : IGenPipePlugin
{
    public void Configure(IGenPipePluginBuilder plugin) =>
        plugin.AddComponent(ComponentDescriptor.Create<Func<string>, NoOptions>(
            "test/lib-v1", "TestLib's version as this plugin sees it.", _ => () => TestLib.LibraryInfo.Version));
}
