using System.Runtime.InteropServices;
using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Plugins;

namespace NativePlugin;

/// <summary>Calls a native library that lives in the plugin's own folder.</summary>
public sealed partial class NativePluginEntry : IGenPipePlugin
{
    public void Configure(IGenPipePluginBuilder plugin) =>
        plugin.AddComponent(ComponentDescriptor.Create<Func<int, int>, NoOptions>(
            "test/native", "Calls genpipe_test_triple_plus_one from libgenpipetestnative.", _ => x => TriplePlusOne(x)));

    [LibraryImport("genpipetestnative", EntryPoint = "genpipe_test_triple_plus_one")]
    private static partial int TriplePlusOne(int x);
}
