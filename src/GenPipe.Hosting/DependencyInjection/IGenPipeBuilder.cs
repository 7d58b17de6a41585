using GenPipe.Abstractions.Plugins;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds plugins to the GenPipe host registered by <c>AddGenPipe()</c>.</summary>
public interface IGenPipeBuilder
{
    /// <summary>The service collection GenPipe is registered in.</summary>
    IServiceCollection Services { get; }

    /// <summary>
    /// Adds a plugin the application references at compile time. Its <c>Configure</c> runs now, so the services it adds
    /// land in <see cref="Services"/>; adding the same plugin type twice has no effect.
    /// </summary>
    IGenPipeBuilder AddPlugin<TPlugin>()
        where TPlugin : IGenPipePlugin, new();

    /// <summary>
    /// Adds a folder of plugins (<c>&lt;path&gt;/&lt;Id&gt;/&lt;Id&gt;.dll</c>), a single plugin folder, or a plugin dll.
    /// They load when the catalog is first resolved; relative paths resolve against the current folder now.
    /// </summary>
    IGenPipeBuilder AddPluginsFrom(string path);
}
