using GenPipe.Core.Catalog;
using GenPipe.Hosting.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;

namespace GenPipe.Hosting.Tests;

public sealed class PluginHostTests
{
    [Fact]
    public void Whole_plugin_root_loads_the_good_ones_and_reports_the_rest()
    {
        using var host = Create(TestPlugins.Root);
        var report = host.Report;

        report.Plugins.Select(p => p.Name).ShouldBe(["DuplicatePlugin", "EchoPlugin", "LibV1Plugin", "LibV2Plugin", "NativePlugin"]);
        report.Failures.Select(f => Path.GetFileNameWithoutExtension(f.Path)).ShouldBe(["FuturePlugin", "NoEntryPlugin", "ThrowingPlugin"]);
        report.Failures[0].Reason.ShouldContain("was built against GenPipe contracts 2.0, but this host provides 1.3");
        host.Catalog.ComponentNames.ShouldNotContain("test/half-registered");
        host.Catalog.TryGetComponent("test/lib-v2", out var lib).ShouldBeTrue();
        lib.Source.ShouldBe(new CatalogSource("LibV2Plugin", TestPlugins.Dll("LibV2Plugin")));
        report.HasProblems.ShouldBeTrue();
    }

    [Fact]
    public void Duplicate_id_keeps_the_first_and_names_both_sources()
    {
        using var host = Create(TestPlugins.Folder("EchoPlugin"), TestPlugins.Dll("DuplicatePlugin"));

        host.Catalog.TryGetComponent("test/echo", out var echo).ShouldBeTrue();
        echo.Source.Name.ShouldBe("EchoPlugin");
        host.Catalog.TryGetComponent("test/duplicate-own", out var own).ShouldBeTrue();
        own.Source.Name.ShouldBe("DuplicatePlugin");
        var conflict = host.Report.Conflicts.ShouldHaveSingleItem();
        conflict.Id.ShouldBe("test/echo");
        conflict.Message.ShouldBe(
            $"Duplicate component id 'test/echo': registered by EchoPlugin ({TestPlugins.Dll("EchoPlugin")}) and again by " +
            $"DuplicatePlugin ({TestPlugins.Dll("DuplicatePlugin")}). The second registration was rejected; " +
            "remove one of the plugins or give one of the ids another name.");
        var duplicate = host.Report.Plugins.Single(p => p.Name == "DuplicatePlugin");
        duplicate.ComponentIds.ShouldBe(["test/duplicate-own"]);
        var info = host.Report.Plugins.Single(p => p.Name == "EchoPlugin");
        info.ComponentIds.ShouldBe(["test/echo", "test/ones"]);
        info.OperatorNames.ShouldBe(["echo"]);
        info.Path.ShouldBe(TestPlugins.Dll("EchoPlugin"));
        info.Version.ShouldBe(new Version(0, 1, 0, 0));
        info.ContractVersion.ShouldBe(new Version(1, 3, 0, 0));
    }

    [Fact]
    public void Built_in_operators_come_first_and_cannot_be_replaced()
    {
        using var host = PluginHost.Create(
            [new NamedOperator("echo")], [], [TestPlugins.Folder("EchoPlugin")], new ServiceCollection().BuildServiceProvider());

        host.Catalog.TryGetOperator("echo", out var echo).ShouldBeTrue();
        echo.Source.ShouldBe(CatalogSource.BuiltIn);
        host.Report.Conflicts.ShouldHaveSingleItem().Rejected.Name.ShouldBe("EchoPlugin");
        host.Report.Plugins.Single().OperatorNames.ShouldBeEmpty();
    }

    [Fact]
    public void Missing_folder_and_folder_without_its_dll_are_reported()
    {
        string root = TestPlugins.NewTempFolder();
        Directory.CreateDirectory(Path.Combine(root, "Stray"));
        string missing = Path.Combine(root, "nope");

        using var host = Create(root, missing);

        host.Report.Failures.Select(f => f.Path).ShouldBe([Path.Combine(root, "Stray"), missing]);
        host.Report.Failures[0].Reason.ShouldBe("No Stray.dll in this folder. A plugin folder is named after its assembly: Stray/Stray.dll with Stray.deps.json beside it.");
        host.Report.Failures[1].Reason.ShouldStartWith("Plugin folder not found.");
        host.Catalog.Components.ShouldBeEmpty();
    }

    [Fact]
    public void Same_plugin_named_twice_loads_once()
    {
        using var host = Create(TestPlugins.Folder("EchoPlugin"), TestPlugins.Dll("EchoPlugin"));

        host.Report.Plugins.ShouldHaveSingleItem();
        host.Report.HasProblems.ShouldBeFalse();
    }

    private static PluginHost Create(params string[] paths) =>
        PluginHost.Create([], [], paths, new ServiceCollection().BuildServiceProvider());
}
