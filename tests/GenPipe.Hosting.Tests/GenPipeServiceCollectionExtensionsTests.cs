using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Operators;
using GenPipe.Core.Catalog;
using GenPipe.Hosting.Plugins;
using System.Runtime.Loader;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Shouldly;
using Xunit;

namespace GenPipe.Hosting.Tests;

public sealed class GenPipeServiceCollectionExtensionsTests
{
    [Fact]
    public void Static_plugin_registers_into_the_catalog_and_its_services_into_the_container()
    {
        var services = new ServiceCollection();
        services.AddGenPipe(o => o.UseDefaultPluginFolder = false).AddPlugin<StaticTestPlugin>().AddPlugin<StaticTestPlugin>();
        using var provider = services.BuildServiceProvider();

        var catalog = provider.GetRequiredService<ComponentCatalog>();

        catalog.TryGetComponent("static/greeting", out var greeting).ShouldBeTrue();
        greeting.Source.ShouldBe(new CatalogSource("GenPipe.Hosting.Tests"));
        catalog.TryGetOperator("static-op", out var op).ShouldBeTrue();
        op.Source.Name.ShouldBe("GenPipe.Hosting.Tests");
        provider.GetRequiredService<StaticGreeting>().Text.ShouldBe("hello from the static plugin");
        var report = provider.GetRequiredService<PluginLoadReport>();
        report.HasProblems.ShouldBeFalse(); // the second AddPlugin<StaticTestPlugin>() was ignored, not a duplicate
        var info = report.Plugins.ShouldHaveSingleItem();
        info.ComponentIds.ShouldBe(["static/greeting"]);
        info.Path.ShouldBeNull();
    }

    [Fact]
    public void A_device_no_backend_serves_is_refused_when_the_engine_is_first_resolved()
    {
        var services = new ServiceCollection();
        services.AddGenPipe(o => { o.UseDefaultPluginFolder = false; o.DefaultDevice = "cuda:7"; });
        using var provider = services.BuildServiceProvider();

        var refusal = Should.Throw<GenPipeConfigurationException>(() => provider.GetRequiredService<GenPipe.Core.PipelineEngine>());

        refusal.Message.ShouldStartWith("Device 'cuda:7' (--device or the DefaultDevice setting) does not exist here; the devices are: cpu.");
    }

    [Fact]
    public void An_app_can_put_its_own_component_pool_in_place_and_the_engine_uses_it()
    {
        var pool = NSubstitute.Substitute.For<GenPipe.Core.Memory.IComponentPool>();
        var services = new ServiceCollection();
        services.AddSingleton(pool);
        services.AddGenPipe(o => o.UseDefaultPluginFolder = false);
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<GenPipe.Core.PipelineEngine>().Pool.ShouldBeSameAs(pool);
    }

    [Fact]
    public void AddGenPipe_is_idempotent_and_its_singletons_are_built_once()
    {
        var services = new ServiceCollection();
        var first = services.AddGenPipe();
        int count = services.Count;
        var second = services.AddGenPipe();

        services.Count.ShouldBe(count);
        second.Services.ShouldBeSameAs(first.Services);
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<ComponentCatalog>().ShouldBeSameAs(provider.GetRequiredService<ComponentCatalog>());
        provider.GetRequiredService<PluginLoadReport>().ShouldBeSameAs(provider.GetRequiredService<PluginHost>().Report);
    }

    [Fact]
    public async Task Built_ins_static_plugins_and_folders_feed_one_catalog()
    {
        var services = new ServiceCollection();
        services.AddGenPipe(o =>
            {
                o.UseDefaultPluginFolder = false;
                o.PluginFolders.Add(TestPlugins.Folder("LibV1Plugin"));
            })
            .AddPlugin<StaticTestPlugin>()
            .AddPluginsFrom(TestPlugins.Folder("EchoPlugin"));
        using var provider = services.BuildServiceProvider();

        var catalog = provider.GetRequiredService<ComponentCatalog>();

        catalog.Operators.Select(o => (o.Name, o.Source.Name)).ShouldBe(
            [("condition", "built-in"), ("encode", "built-in"), ("decode", "built-in"), ("sample_prior", "built-in"), ("encode_codes", "built-in"), ("decode_codes", "built-in"), ("load_image", "built-in"), ("save", "built-in"), ("save_text", "built-in"), ("static-op", "GenPipe.Hosting.Tests"), ("echo", "EchoPlugin")]);
        catalog.Components.Select(c => c.Descriptor.Id).ShouldBe(["static/greeting", "test/echo", "test/ones", "test/lib-v1"]);
        provider.GetRequiredService<PluginLoadReport>().HasProblems.ShouldBeFalse();

        // The folder plugin's component resolves the service that plugin registered, through PluginHost.Services.
        var host = provider.GetRequiredService<PluginHost>();
        catalog.TryGetComponent("test/echo", out var echo).ShouldBeTrue();
        var context = new ComponentActivationContext
        {
            Name = "echo",
            Options = Activator.CreateInstance(echo.Descriptor.OptionsType)!,
            Services = host.Services,
        };
        var component = (Func<string, string>)await echo.Descriptor.Factory(context, CancellationToken.None);
        component("x").ShouldBe("echo: x!");
        host.Services.GetService<StaticGreeting>()!.Text.ShouldBe("hello from the static plugin");
        host.Services.GetServices<IPipelineOperator>().Select(o => o.Signature.Name).ShouldBe(["condition", "encode", "decode", "sample_prior", "encode_codes", "decode_codes", "load_image", "save", "save_text"]);
    }

    [Fact]
    public void A_default_device_that_does_not_exist_fails_when_the_host_starts()
    {
        var services = new ServiceCollection();
        services.AddGenPipe(o =>
        {
            o.UseDefaultPluginFolder = false;
            o.DefaultDevice = "cuda:0";
        });
        using var provider = services.BuildServiceProvider();

        Should.Throw<GenPipeConfigurationException>(() => provider.GetRequiredService<ComponentCatalog>())
            .Message.ShouldStartWith("Device 'cuda:0' (--device or the DefaultDevice setting) does not exist here; the devices are: cpu.");
    }

    [Fact]
    public void Failing_folder_plugin_is_reported_through_DI_and_the_host_still_starts()
    {
        var services = new ServiceCollection();
        services.AddGenPipe(o => o.UseDefaultPluginFolder = false).AddPluginsFrom(TestPlugins.Folder("ThrowingPlugin"));
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IOptions<GenPipeHostOptions>>().Value.DefaultDevice.ShouldBe("cpu");
        var report = provider.GetRequiredService<PluginLoadReport>();

        report.Failures.ShouldHaveSingleItem().Reason.ShouldContain("ThrowingPlugin cannot find its configuration");
        provider.GetRequiredService<ComponentCatalog>().Components.ShouldBeEmpty();
    }

    [Fact]
    public void Plugin_folders_load_on_first_resolve_of_the_catalog_not_before()
    {
        string root = TestPlugins.NewTempFolder();
        string folder = TestPlugins.CopyTo(root, "EchoPlugin");
        var services = new ServiceCollection();
        services.AddGenPipe(o => o.UseDefaultPluginFolder = false).AddPluginsFrom(root);
        using var provider = services.BuildServiceProvider();
        bool Loaded() => AssemblyLoadContext.All.Any(c => c.Assemblies.Any(a => a.Location.StartsWith(folder, StringComparison.Ordinal)));

        Loaded().ShouldBeFalse();
        provider.GetRequiredService<ComponentCatalog>().TryGetComponent("test/echo", out _).ShouldBeTrue();
        Loaded().ShouldBeTrue();
    }

    [Fact]
    public void Options_bind_from_GenPipe_configuration()
    {
        string dir = TestPlugins.NewTempFolder();
        TestPlugins.CopyTo(Path.Combine(dir, "my-plugins"), "LibV2Plugin");
        File.WriteAllText(Path.Combine(dir, "genpipe.json"), """{ "PluginFolders": [ "my-plugins" ], "MemoryBudget": "256MB", "UseDefaultPluginFolder": false }""");
        var configuration = GenPipeConfiguration.Build(basePath: dir);
        var services = new ServiceCollection();
        services.AddGenPipe().BindConfiguration(configuration, dir);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<GenPipeHostOptions>>().Value;

        options.MemoryBudgetBytes.ShouldBe(256L << 20);
        options.PluginFolders.ShouldBe([Path.Combine(dir, "my-plugins")]);
        provider.GetRequiredService<PluginLoadReport>().Plugins.ShouldHaveSingleItem().Name.ShouldBe("LibV2Plugin");
    }
}
