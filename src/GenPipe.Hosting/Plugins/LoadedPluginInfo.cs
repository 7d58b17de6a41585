namespace GenPipe.Hosting.Plugins;

/// <summary>A plugin that loaded, with what it contributed to the catalog.</summary>
/// <param name="Name">The plugin's assembly name.</param>
/// <param name="Path">Its assembly path, or null for a plugin added statically with <c>AddPlugin&lt;T&gt;()</c>.</param>
/// <param name="Version">Its assembly version.</param>
/// <param name="ContractVersion">The GenPipe contract version it was built against.</param>
/// <param name="ComponentIds">The component ids it registered that the catalog accepted.</param>
/// <param name="OperatorNames">The operator names it registered that the catalog accepted.</param>
public sealed record LoadedPluginInfo(
    string Name,
    string? Path,
    Version? Version,
    Version? ContractVersion,
    IReadOnlyList<string> ComponentIds,
    IReadOnlyList<string> OperatorNames);
