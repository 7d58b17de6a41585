namespace GenPipe.Abstractions.Plugins;

/// <summary>
/// The entry point of a plugin assembly. The host creates it with its public parameterless constructor and calls
/// <see cref="Configure"/> once; the plugin adds its components, operators and services there.
/// </summary>
public interface IGenPipePlugin
{
    /// <summary>Registers what this plugin provides.</summary>
    void Configure(IGenPipePluginBuilder plugin);
}
