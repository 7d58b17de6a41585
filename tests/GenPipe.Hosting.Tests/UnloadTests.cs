using System.Runtime.CompilerServices;
using GenPipe.Hosting.Plugins;
using GenPipe.Testing;
using Shouldly;
using Xunit;

namespace GenPipe.Hosting.Tests;

public sealed class UnloadTests
{
    [Fact]
    public async Task Unloaded_plugin_context_is_collected()
    {
        var (context, output) = await LoadUseAndUnload(TestPlugins.Dll("EchoPlugin"));

        output.ShouldBe("UNLOAD ME");
        for (int i = 0; context.IsAlive && i < 50; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        context.IsAlive.ShouldBeFalse();
    }

    // Not inlined, so no reference to the plugin's types outlives this frame.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<(WeakReference Context, string Output)> LoadUseAndUnload(string dll)
    {
        var plugin = PluginLoader.TryLoad(dll, out _)!;
        object output = await plugin.Registrations.Operators[0].ExecuteAsync(
            new FakeOperatorContext().WithInput("text", "unload me"), CancellationToken.None);
        var weak = new WeakReference(plugin.Context);
        plugin.Unload();
        return (weak, (string)output);
    }
}
