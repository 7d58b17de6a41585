using System.Text.Json.Nodes;
using GenPipe.Abstractions.Components;
using GenPipe.Hosting.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;

namespace GenPipe.Hosting.Tests;

public sealed class NativeLibraryTests
{
    private const string LibraryName = "genpipetestnative";

    [CCompilerFact]
    public async Task Native_library_dropped_into_the_plugin_folder_resolves_from_there()
    {
        // A scratch copy, so the native library exists only in this plugin folder (nowhere on the loader's search path).
        string folder = TestPlugins.CopyTo(TestPlugins.NewTempFolder(), "NativePlugin");
        string library = Path.Combine(folder, NativeFileName());
        CCompilerFactAttribute.CompileSharedLibrary(Path.Combine(folder, "genpipetestnative.c"), library);

        var plugin = PluginLoader.TryLoad(Path.Combine(folder, "NativePlugin.dll"), out var failure)!;
        failure.ShouldBeNull();
        // Not in .deps.json, so the dependency resolver does not know it; the plugin folder probe finds it.
        new System.Runtime.Loader.AssemblyDependencyResolver(plugin.AssemblyPath).ResolveUnmanagedDllToPath(LibraryName).ShouldBeNull();
        plugin.Context.ResolveNativeLibrary(LibraryName).ShouldBe(library);
        var triplePlusOne = await Create(plugin);

        triplePlusOne(5).ShouldBe(16);
        triplePlusOne(-7).ShouldBe(-20);
        plugin.Unload();
    }

    [CCompilerFact]
    public async Task Native_library_listed_in_deps_json_resolves_through_the_dependency_resolver()
    {
        // Listed as the plugin project's own native asset, as a package's runtimes/<rid>/native file would be; the
        // host resolves a project's native assets in the plugin folder itself.
        string folder = TestPlugins.CopyTo(TestPlugins.NewTempFolder(), "NativePlugin");
        string library = Path.Combine(folder, NativeFileName());
        CCompilerFactAttribute.CompileSharedLibrary(Path.Combine(folder, "genpipetestnative.c"), library);
        ListNativeAsset(Path.Combine(folder, "NativePlugin.deps.json"), NativeFileName());

        var plugin = PluginLoader.TryLoad(Path.Combine(folder, "NativePlugin.dll"), out var failure)!;
        failure.ShouldBeNull();
        new System.Runtime.Loader.AssemblyDependencyResolver(plugin.AssemblyPath).ResolveUnmanagedDllToPath(LibraryName).ShouldBe(library);
        plugin.Context.ResolveNativeLibrary(LibraryName).ShouldBe(library);
        var triplePlusOne = await Create(plugin);

        triplePlusOne(0).ShouldBe(1);
        plugin.Unload();
    }

    [Fact]
    public async Task Without_the_native_library_in_its_folder_the_call_fails()
    {
        string folder = TestPlugins.CopyTo(TestPlugins.NewTempFolder(), "NativePlugin");
        var plugin = PluginLoader.TryLoad(Path.Combine(folder, "NativePlugin.dll"), out _)!;
        plugin.Context.ResolveNativeLibrary(LibraryName).ShouldBeNull();
        var triplePlusOne = await Create(plugin);

        Should.Throw<DllNotFoundException>(() => triplePlusOne(5));
        plugin.Unload();
    }

    private static async Task<Func<int, int>> Create(LoadedPlugin plugin)
    {
        var context = new ComponentActivationContext
        {
            Name = "native",
            Options = new NoOptions(),
            Services = new ServiceCollection().BuildServiceProvider(),
        };
        return (Func<int, int>)await plugin.Registrations.Components.Single().Factory(context, CancellationToken.None);
    }

    private static void ListNativeAsset(string depsJson, string relativePath)
    {
        var deps = JsonNode.Parse(File.ReadAllText(depsJson))!;
        var target = deps["targets"]![".NETCoreApp,Version=v10.0"]!["NativePlugin/0.1.0"]!;
        target["native"] = new JsonObject { [relativePath] = new JsonObject() };
        File.WriteAllText(depsJson, deps.ToJsonString());
    }

    private static string NativeFileName() =>
        OperatingSystem.IsWindows() ? LibraryName + ".dll" : OperatingSystem.IsMacOS() ? $"lib{LibraryName}.dylib" : $"lib{LibraryName}.so";
}
