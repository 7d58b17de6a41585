using GenPipe.Core.Catalog;

namespace GenPipe.Hosting.Plugins;

/// <summary>
/// What happened when the host assembled its catalog: the plugins that loaded, those skipped and why, and the
/// registrations rejected as duplicates. Resolve it from DI for <c>genpipe list</c> and for error output.
/// </summary>
public sealed class PluginLoadReport
{
    /// <summary>Creates a report.</summary>
    public PluginLoadReport(
        IReadOnlyList<LoadedPluginInfo> plugins,
        IReadOnlyList<PluginLoadFailure> failures,
        IReadOnlyList<CatalogConflict> conflicts)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        ArgumentNullException.ThrowIfNull(failures);
        ArgumentNullException.ThrowIfNull(conflicts);
        Plugins = plugins;
        Failures = failures;
        Conflicts = conflicts;
    }

    /// <summary>Plugins that loaded (static ones first, then folders in discovery order).</summary>
    public IReadOnlyList<LoadedPluginInfo> Plugins { get; }

    /// <summary>Plugins that were skipped.</summary>
    public IReadOnlyList<PluginLoadFailure> Failures { get; }

    /// <summary>Registrations rejected because their id was already taken; each names both sources.</summary>
    public IReadOnlyList<CatalogConflict> Conflicts { get; }

    /// <summary>True when a plugin was skipped or a registration rejected.</summary>
    public bool HasProblems => Failures.Count > 0 || Conflicts.Count > 0;

    /// <summary>One line per failure and conflict, for error output.</summary>
    public IEnumerable<string> ProblemMessages =>
        Failures.Select(f => f.ToString()).Concat(Conflicts.Select(c => c.Message));
}
