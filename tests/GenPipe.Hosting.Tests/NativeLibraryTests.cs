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
        // Not in .deps.json, so the dependency resolver does not know it; the call below must find it in the folder.
        new System.Runtime.Loader.AssemblyDependencyResolver(plugin.AssemblyPath).ResolveUnmanagedDllToPath(LibraryName).ShouldBeNull();
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
        var triplePlusOne = await Create(plugin);

        triplePlusOne(0).ShouldBe(1);
        plugin.Unload();
    }

    [CCompilerFact]
    public async Task Two_plugins_with_a_native_library_of_the_same_name_each_call_their_own()
    {
        // The runtime's own library search caches by name for the whole process; each plugin must still get the file
        // in its own folder, whichever loads first.
        string first = TestPlugins.CopyTo(TestPlugins.NewTempFolder(), "NativePlugin");
        CCompilerFactAttribute.CompileSharedLibrary(Path.Combine(first, "genpipetestnative.c"), Path.Combine(first, NativeFileName()));
        string second = TestPlugins.CopyTo(TestPlugins.NewTempFolder(), "NativePlugin");
        string otherSource = Path.Combine(second, "other.c");
        File.WriteAllText(otherSource, "int genpipe_test_triple_plus_one(int x) { return 1000 + x; }\n");
        CCompilerFactAttribute.CompileSharedLibrary(otherSource, Path.Combine(second, NativeFileName()));

        var a = PluginLoader.TryLoad(Path.Combine(first, "NativePlugin.dll"), out _)!;
        var b = PluginLoader.TryLoad(Path.Combine(second, "NativePlugin.dll"), out _)!;
        (await Create(a))(5).ShouldBe(16);
        (await Create(b))(5).ShouldBe(1005);
        a.Unload();
        b.Unload();
    }

    [Fact]
    public async Task Without_the_native_library_in_its_folder_the_call_fails()
    {
        string folder = TestPlugins.CopyTo(TestPlugins.NewTempFolder(), "NativePlugin");
        var plugin = PluginLoader.TryLoad(Path.Combine(folder, "NativePlugin.dll"), out _)!;
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
