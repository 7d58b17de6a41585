namespace GenPipe.Hosting;

/// <summary>
/// Host settings, bound from <c>genpipe.json</c>, <c>GENPIPE_</c> environment variables and the command line
/// (see <see cref="GenPipeConfiguration"/>), or set in code through <c>AddGenPipe(o => ...)</c>.
/// </summary>
public sealed class GenPipeHostOptions
{
    /// <summary>Folders holding plugins (<c>&lt;folder&gt;/&lt;Id&gt;/&lt;Id&gt;.dll</c>) or plugin folders themselves.</summary>
    public List<string> PluginFolders { get; set; } = [];

    /// <summary>Folders that relative model <c>source</c> paths are looked up in.</summary>
    public List<string> ModelRoots { get; set; } = [];

    /// <summary>The memory budget for loaded components, e.g. <c>512MB</c> or <c>1.5GB</c>; null or empty for none.</summary>
    public string? MemoryBudget { get; set; }

    /// <summary>The device components run on.</summary>
    public string DefaultDevice { get; set; } = "cpu";

    /// <summary>
    /// When true (the default), <c>&lt;AppContext.BaseDirectory&gt;/plugins</c> is searched too, if it exists.
    /// </summary>
    public bool UseDefaultPluginFolder { get; set; } = true;

    /// <summary>
    /// <see cref="MemoryBudget"/> in bytes, or null when there is none. Throws <see cref="GenPipeConfigurationException"/>
    /// when it is not a size.
    /// </summary>
    public long? MemoryBudgetBytes => string.IsNullOrWhiteSpace(MemoryBudget) ? null : MemorySize.Parse(MemoryBudget, nameof(MemoryBudget));

    /// <summary>The default plugin folder, <c>&lt;AppContext.BaseDirectory&gt;/plugins</c>.</summary>
    public static string DefaultPluginFolder => Path.Combine(AppContext.BaseDirectory, "plugins");
}
