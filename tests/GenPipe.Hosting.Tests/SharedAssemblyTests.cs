using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json.Nodes;
using GenPipe.Abstractions.Plugins;
using GenPipe.Hosting.Plugins;
using Shouldly;
using Xunit;

namespace GenPipe.Hosting.Tests;

public sealed class SharedAssemblyTests
{
    [Fact]
    public void Contract_assembly_shipped_inside_a_plugin_is_ignored_in_favour_of_the_hosts()
    {
        // A careless plugin build: its own copy of GenPipe.Abstractions, listed in its .deps.json.
        string folder = TestPlugins.CopyTo(TestPlugins.NewTempFolder(), "EchoPlugin");
        string copy = Path.Combine(folder, "GenPipe.Abstractions.dll");
        File.Copy(typeof(IGenPipePlugin).Assembly.Location, copy);
        string depsFile = Path.Combine(folder, "EchoPlugin.deps.json");
        var deps = JsonNode.Parse(File.ReadAllText(depsFile))!;
        deps["targets"]![".NETCoreApp,Version=v10.0"]!["EchoPlugin/0.1.0"]!["runtime"]!["GenPipe.Abstractions.dll"] = new JsonObject();
        File.WriteAllText(depsFile, deps.ToJsonString());
        string dll = Path.Combine(folder, "EchoPlugin.dll");
        new AssemblyDependencyResolver(dll).ResolveAssemblyToPath(new AssemblyName("GenPipe.Abstractions")).ShouldBe(copy);

        var plugin = PluginLoader.TryLoad(dll, out var failure);

        failure.ShouldBeNull();
        plugin!.Context.Assemblies.Select(a => a.GetName().Name).ShouldBe(["EchoPlugin"]);
        plugin.Registrations.Components.Count.ShouldBe(2);
        plugin.Unload();
    }

    [Theory]
    [InlineData("GenPipe.Abstractions", true)]
    [InlineData("genpipe.tensors", true)]
    [InlineData("GenPipe.Text", true)]
    [InlineData("System.Numerics.Tensors", true)]
    [InlineData("Microsoft.Extensions.DependencyInjection.Abstractions", true)]
    [InlineData("Microsoft.Extensions.Logging.Abstractions", true)]
    [InlineData("Microsoft.Extensions.Options", true)]
    [InlineData("GenPipe.Core", false)]
    [InlineData("Microsoft.Extensions.DependencyInjection", false)]
    [InlineData("TestLib", false)]
    public void Shared_list_holds_the_contracts_only(string name, bool shared) => SharedAssemblies.Contains(name).ShouldBe(shared);
}
