using System.Runtime.Loader;
using GenPipe.Abstractions.Components;
using GenPipe.Hosting.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;

namespace GenPipe.Hosting.Tests;

public sealed class PrivateDependencyTests
{
    [Fact]
    public async Task Two_plugins_each_see_their_own_version_of_a_shared_library_name()
    {
        var v1 = PluginLoader.TryLoad(TestPlugins.Dll("LibV1Plugin"), out var f1)!;
        var v2 = PluginLoader.TryLoad(TestPlugins.Dll("LibV2Plugin"), out var f2)!;
        f1.ShouldBeNull();
        f2.ShouldBeNull();

        string seenByV1 = await Version(v1);
        string seenByV2 = await Version(v2);

        seenByV1.ShouldBe("1.0.0.0");
        seenByV2.ShouldBe("2.0.0.0");
        var lib1 = v1.Context.Assemblies.Single(a => a.GetName().Name == "TestLib");
        var lib2 = v2.Context.Assemblies.Single(a => a.GetName().Name == "TestLib");
        lib1.Location.ShouldBe(Path.Combine(TestPlugins.Folder("LibV1Plugin"), "TestLib.dll"));
        lib2.Location.ShouldBe(Path.Combine(TestPlugins.Folder("LibV2Plugin"), "TestLib.dll"));
        AssemblyLoadContext.Default.Assemblies.ShouldNotContain(a => a.GetName().Name == "TestLib");
        v1.Unload();
        v2.Unload();
    }

    private static async Task<string> Version(LoadedPlugin plugin)
    {
        var descriptor = plugin.Registrations.Components.Single();
        var context = new ComponentActivationContext
        {
            Name = "lib",
            Options = new NoOptions(),
            Services = new ServiceCollection().BuildServiceProvider(),
        };
        var read = (Func<string>)await descriptor.Factory(context, CancellationToken.None);
        return read();
    }
}
