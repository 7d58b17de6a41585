using System.Runtime.Loader;
using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Plugins;
using GenPipe.Hosting.Plugins;
using GenPipe.Tensors;
using GenPipe.Testing;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;

namespace GenPipe.Hosting.Tests;

public sealed class PluginLoaderTests
{
    [Fact]
    public async Task Good_plugin_loads_into_its_own_context_and_shares_the_host_contracts()
    {
        var plugin = PluginLoader.TryLoad(TestPlugins.Dll("EchoPlugin"), out var failure);

        failure.ShouldBeNull();
        plugin.ShouldNotBeNull();
        plugin.Name.ShouldBe("EchoPlugin");
        plugin.Context.ShouldNotBeSameAs(AssemblyLoadContext.Default);
        plugin.Context.IsCollectible.ShouldBeTrue();
        AssemblyLoadContext.GetLoadContext(plugin.Assembly).ShouldBeSameAs(plugin.Context);
        plugin.ContractVersion.ShouldBe(new Version(1, 3, 0, 0));
        plugin.Registrations.Source.Name.ShouldBe("EchoPlugin");
        plugin.Registrations.Source.Path.ShouldBe(TestPlugins.Dll("EchoPlugin"));
        plugin.Registrations.Components.Select(c => c.Id).ShouldBe(["test/echo", "test/ones"]);
        plugin.Registrations.Operators.Single().Signature.Name.ShouldBe("echo");

        // The contract types the plugin saw are the host's own: GenPipe.Abstractions and GenPipe.Tensors were not loaded twice.
        var entryType = plugin.Assembly.GetType("EchoPlugin.EchoPluginEntry")!;
        typeof(IGenPipePlugin).IsAssignableFrom(entryType).ShouldBeTrue();

        var ones = plugin.Registrations.Components[1];
        var tensor = (Tensor)await ones.Factory(Activation(new NoOptions()), CancellationToken.None);
        tensor.GetShape().ShouldBe([2, 3]);
        tensor.Span.ToArray().Sum().ShouldBe(6f);

        var output = await plugin.Registrations.Operators[0].ExecuteAsync(
            new FakeOperatorContext().WithInput("text", "hello"), CancellationToken.None);
        output.ShouldBe("HELLO");
        plugin.Context.Assemblies.Select(a => a.GetName().Name).ShouldBe(["EchoPlugin"]);
        plugin.Unload();
    }

    [Fact]
    public async Task Plugin_services_reach_its_components()
    {
        var plugin = PluginLoader.TryLoad(TestPlugins.Dll("EchoPlugin"), out _)!;
        var echo = plugin.Registrations.Components[0];
        var options = Activator.CreateInstance(echo.OptionsType)!;
        using var services = plugin.Registrations.Services.BuildServiceProvider();

        var component = (Func<string, string>)await echo.Factory(Activation(options, services), CancellationToken.None);

        component("hi").ShouldBe("echo: hi!");
        plugin.Unload();
    }

    [Fact]
    public void Plugin_without_deps_json_still_loads_when_it_has_no_private_dependencies()
    {
        string folder = Path.Combine(TestPlugins.NewTempFolder(), "EchoPlugin");
        Directory.CreateDirectory(folder);
        File.Copy(TestPlugins.Dll("EchoPlugin"), Path.Combine(folder, "EchoPlugin.dll"));

        var plugin = PluginLoader.TryLoad(Path.Combine(folder, "EchoPlugin.dll"), out var failure);

        failure.ShouldBeNull();
        plugin!.Registrations.Components.Select(c => c.Id).ShouldBe(["test/echo", "test/ones"]);
        plugin.Unload();
    }

    [Fact]
    public void Plugin_that_throws_in_Configure_is_reported_with_its_exception()
    {
        var plugin = PluginLoader.TryLoad(TestPlugins.Dll("ThrowingPlugin"), out var failure);

        plugin.ShouldBeNull();
        failure!.Path.ShouldBe(TestPlugins.Dll("ThrowingPlugin"));
        failure.Reason.ShouldBe("Plugin 'ThrowingPlugin' failed to load: InvalidOperationException: ThrowingPlugin cannot find its configuration");
    }

    [Fact]
    public void Assembly_without_entry_point_is_reported()
    {
        var plugin = PluginLoader.TryLoad(TestPlugins.Dll("NoEntryPlugin"), out var failure);

        plugin.ShouldBeNull();
        failure!.Reason.ShouldStartWith("Plugin 'NoEntryPlugin' has no entry point: add a public non-abstract class implementing GenPipe.Abstractions.Plugins.IGenPipePlugin");
    }

    [Fact]
    public void Corrupt_dll_is_reported_not_thrown()
    {
        string folder = Path.Combine(TestPlugins.NewTempFolder(), "Corrupt");
        Directory.CreateDirectory(folder);
        string dll = Path.Combine(folder, "Corrupt.dll");
        File.WriteAllBytes(dll, [0x4D, 0x5A, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

        var plugin = PluginLoader.TryLoad(dll, out var failure);

        plugin.ShouldBeNull();
        failure!.Path.ShouldBe(dll);
        failure.Reason.ShouldStartWith("Plugin 'Corrupt' is not a readable .NET assembly (");
    }

    [Fact]
    public void Plugin_built_against_newer_contracts_is_refused_before_it_is_loaded()
    {
        string dll = TestPlugins.Dll("FuturePlugin");

        var plugin = PluginLoader.TryLoad(dll, out var failure);

        plugin.ShouldBeNull();
        failure!.Reason.ShouldBe(
            $"Plugin 'FuturePlugin' ({dll}) was built against GenPipe contracts 2.0, but this host provides 1.3. " +
            "Update GenPipe, or use a build of the plugin for contracts 1.x.");
        AssemblyLoadContext.All.SelectMany(c => c.Assemblies).ShouldNotContain(a => a.GetName().Name == "FuturePlugin");
    }

    private static ComponentActivationContext Activation(object options, IServiceProvider? services = null) => new()
    {
        Name = "test",
        Options = options,
        Services = services ?? new ServiceCollection().BuildServiceProvider(),
    };
}
