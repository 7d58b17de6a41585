using System.Text.Json;
using GenPipe.Core;
using GenPipe.Core.Text;
using GenPipe.Tensors.Backends;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace GenPipe.Hosting;

/// <summary>
/// Builds the host's configuration: <c>genpipe.json</c>, then <c>GENPIPE_</c> environment variables, then the command
/// line, each overriding the one before; and reads <see cref="GenPipeHostOptions"/> from it.
/// </summary>
public static class GenPipeConfiguration
{
    /// <summary>The settings file looked for in the base folder when none is given.</summary>
    public const string SettingsFileName = "genpipe.json";

    /// <summary>The prefix of environment variables read as settings (<c>GENPIPE_MemoryBudget=1GB</c>, <c>GENPIPE_PluginFolders__0=/x</c>).</summary>
    public const string EnvironmentPrefix = "GENPIPE_";

    /// <summary>Command-line switches that add a plugin folder each time they are given.</summary>
    public static IReadOnlyList<string> PluginSwitches { get; } = ["--plugins", "--plugin-folder"];

    /// <summary>Command-line switches that add a model root each time they are given.</summary>
    public static IReadOnlyList<string> ModelRootSwitches { get; } = ["--model-root", "--models"];

    /// <summary>The keys a settings file may hold (case-insensitive, as configuration keys are); others are warned about.</summary>
    public static IReadOnlyList<string> KnownSettings { get; } =
    [
        nameof(GenPipeHostOptions.PluginFolders), nameof(GenPipeHostOptions.ModelRoots), nameof(GenPipeHostOptions.MemoryBudget),
        nameof(GenPipeHostOptions.DefaultDevice), nameof(GenPipeHostOptions.UseDefaultPluginFolder),
    ];

    /// <summary>Kebab-case switches accepted beside the <c>--Key value</c> form.</summary>
    public static IReadOnlyDictionary<string, string> SwitchMappings { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["--memory-budget"] = nameof(GenPipeHostOptions.MemoryBudget),
        ["--device"] = nameof(GenPipeHostOptions.DefaultDevice),
        ["--default-device"] = nameof(GenPipeHostOptions.DefaultDevice),
    };

    /// <summary>
    /// Builds the configuration. <paramref name="settingsFile"/> must exist when given; otherwise <c>genpipe.json</c>
    /// in <paramref name="basePath"/> (default: the current folder) is read when present. Throws
    /// <see cref="GenPipeConfigurationException"/> for a missing or malformed settings file or a malformed command line.
    /// Keys of the settings file that are no setting (typos such as <c>MemoryBudjet</c>) are added to
    /// <paramref name="warnings"/>, each naming the file, the key and the closest known setting.
    /// </summary>
    public static IConfigurationRoot Build(string? settingsFile = null, IEnumerable<string>? commandLineArgs = null, string? basePath = null, ICollection<string>? warnings = null)
    {
        string baseFolder = Path.GetFullPath(basePath ?? Directory.GetCurrentDirectory());
        string? file = FindSettingsFile(settingsFile, baseFolder);
        var (plugins, models, rest) = SplitRepeatedSwitches(commandLineArgs ?? [], baseFolder);

        var builder = new ConfigurationBuilder();
        if (file is not null)
        {
            ValidateJson(file, warnings);
            // A rooted path: the source makes (and owns) the file provider for its folder.
            builder.AddJsonFile(file, optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        try
        {
            builder.AddCommandLine(rest.ToArray(), SwitchMappings.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase));
            var root = builder.Build();
            if (plugins.Count == 0 && models.Count == 0)
            {
                return root;
            }

            // Repeated switches add to the lists rather than replace entry 0, so append after what the files say.
            var appended = new Dictionary<string, string?>();
            Append(appended, nameof(GenPipeHostOptions.PluginFolders), root, plugins);
            Append(appended, nameof(GenPipeHostOptions.ModelRoots), root, models);
            builder.AddInMemoryCollection(appended);
            return builder.Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException)
        {
            // JSON that parses but cannot be settings, such as a key given twice.
            throw new GenPipeConfigurationException($"Settings file '{file}' cannot be used: {ex.GetBaseException().Message}", file, ex);
        }
    }

    /// <summary>Reads host options from <paramref name="configuration"/>; see <see cref="Bind"/>.</summary>
    public static GenPipeHostOptions ReadHostOptions(IConfiguration configuration, string? basePath = null)
    {
        var options = new GenPipeHostOptions();
        Bind(configuration, options, basePath);
        return options;
    }

    /// <summary>
    /// Binds <paramref name="configuration"/> into <paramref name="options"/>, adding to its folder lists. Relative folders
    /// from a settings file resolve against that file's folder; others against <paramref name="basePath"/> (default:
    /// the current folder). Throws <see cref="GenPipeConfigurationException"/> for values of the wrong kind.
    /// </summary>
    public static void Bind(IConfiguration configuration, GenPipeHostOptions options, string? basePath = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        string baseFolder = Path.GetFullPath(basePath ?? Directory.GetCurrentDirectory());
        var scalars = new GenPipeHostOptions();
        try
        {
            configuration.Bind(scalars);
        }
        catch (InvalidOperationException ex)
        {
            throw new GenPipeConfigurationException($"A GenPipe setting has the wrong kind of value: {ex.Message}", ex);
        }

        options.MemoryBudget = scalars.MemoryBudget ?? options.MemoryBudget;
        options.DefaultDevice = configuration[nameof(GenPipeHostOptions.DefaultDevice)] ?? options.DefaultDevice;
        options.UseDefaultPluginFolder = scalars.UseDefaultPluginFolder && options.UseDefaultPluginFolder;
        _ = options.MemoryBudgetBytes; // Fails now, naming the setting, rather than when the first model loads.
        options.PluginFolders.AddRange(ReadFolders(configuration, nameof(GenPipeHostOptions.PluginFolders), baseFolder));
        options.ModelRoots.AddRange(ReadFolders(configuration, nameof(GenPipeHostOptions.ModelRoots), baseFolder));
    }

    private static IEnumerable<string> ReadFolders(IConfiguration configuration, string key, string baseFolder)
    {
        foreach (var child in configuration.GetSection(key).GetChildren())
        {
            if (!string.IsNullOrWhiteSpace(child.Value))
            {
                yield return Path.GetFullPath(child.Value, FolderOfSource(configuration, child.Path) ?? baseFolder);
            }
        }
    }

    // The folder of the settings file that supplied the winning value of key, or null when it came from elsewhere.
    private static string? FolderOfSource(IConfiguration configuration, string key)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return null;
        }

        foreach (var provider in root.Providers.Reverse())
        {
            if (provider.TryGet(key, out _))
            {
                return provider is JsonConfigurationProvider { Source.FileProvider: PhysicalFileProvider files } ? files.Root : null;
            }
        }

        return null;
    }

    private static string? FindSettingsFile(string? settingsFile, string baseFolder)
    {
        if (settingsFile is null)
        {
            string candidate = Path.Combine(baseFolder, SettingsFileName);
            return File.Exists(candidate) ? candidate : null;
        }

        string full = Path.GetFullPath(settingsFile, baseFolder);
        if (Directory.Exists(full))
        {
            throw new GenPipeConfigurationException($"Settings file '{full}' is a folder, not a settings file. Name the JSON file itself, e.g. {Path.Combine(full, SettingsFileName)}.", full);
        }

        return File.Exists(full)
            ? full
            : throw new GenPipeConfigurationException($"Settings file '{full}' not found. Check the path, or leave it out to use ./{SettingsFileName}.", full);
    }

    /// <summary>
    /// Throws <see cref="GenPipeConfigurationException"/> when <paramref name="device"/> (the <c>--device</c> switch or
    /// the <c>DefaultDevice</c> setting) has no tensor backend; the message lists the devices there are. Call it after
    /// plugins have loaded, since an accelerator plugin registers its device.
    /// </summary>
    public static void CheckDevice(string? device)
    {
        var known = TensorBackends.Devices.Order(StringComparer.Ordinal).ToArray();
        if (!string.IsNullOrWhiteSpace(device) && known.Contains(device, StringComparer.OrdinalIgnoreCase))
        {
            return;
        }

        string? suggestion = device is null ? null : NameSuggester.Suggest(device, known);
        throw new GenPipeConfigurationException(
            $"Device '{device}' (--device or the DefaultDevice setting) does not exist here; the devices are: {string.Join(", ", known)}." +
            (suggestion is null ? "" : $" Did you mean '{suggestion}'?") +
            " Another device arrives with a plugin that provides its backend.");
    }

    // The configuration provider's own error says only "Could not parse the JSON file"; find the line and column.
    // The file is read with the same guards as pipelines (size limit, folder, UTF-8), and its keys are checked.
    private static void ValidateJson(string file, ICollection<string>? warnings)
    {
        try
        {
            using var document = JsonDocument.Parse(InputFiles.ReadUtf8(file, "settings file"), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new GenPipeConfigurationException(
                    $"Settings file '{file}' must hold a JSON object (e.g. {{ \"MemoryBudget\": \"1GB\" }}), not a {document.RootElement.ValueKind}.", file);
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name.StartsWith('$') || KnownSettings.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
                {
                    continue;
                }

                string? suggestion = NameSuggester.Suggest(property.Name, KnownSettings);
                warnings?.Add(
                    $"{file}: unknown setting '{property.Name}' is ignored" +
                    (suggestion is null ? "" : $"; did you mean '{suggestion}'?") +
                    $" (settings: {string.Join(", ", KnownSettings)})");
            }
        }
        catch (JsonException ex)
        {
            throw new GenPipeConfigurationException(
                $"Settings file '{file}' is not valid JSON at line {ex.LineNumber + 1}, column {ex.BytePositionInLine + 1}: {ex.Message} Fix the file or remove it.",
                file, ex);
        }
        catch (InputFileException ex)
        {
            throw new GenPipeConfigurationException($"Settings file '{file}' cannot be used: {ex.Message}.", file, ex);
        }
    }

    private static (List<string> Plugins, List<string> Models, List<string> Others) SplitRepeatedSwitches(IEnumerable<string> args, string baseFolder)
    {
        var plugins = new List<string>();
        var models = new List<string>();
        var rest = new List<string>();
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            string arg = e.Current;
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            string name = eq > 0 ? arg[..eq] : arg;
            List<string>? target = PluginSwitches.Contains(name, StringComparer.OrdinalIgnoreCase) ? plugins
                : ModelRootSwitches.Contains(name, StringComparer.OrdinalIgnoreCase) ? models : null;
            if (target is null)
            {
                rest.Add(arg);
                continue;
            }

            string? value = eq > 0 ? arg[(eq + 1)..] : e.MoveNext() ? e.Current : null;
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new GenPipeConfigurationException($"{name} needs a folder, e.g. {name} ./plugins.");
            }

            target.Add(Path.GetFullPath(value, baseFolder));
        }

        return (plugins, models, rest);
    }

    private static void Append(Dictionary<string, string?> into, string key, IConfiguration existing, List<string> values)
    {
        int next = existing.GetSection(key).GetChildren().Select(c => int.TryParse(c.Key, out int i) ? i + 1 : 0).DefaultIfEmpty(0).Max();
        foreach (string value in values)
        {
            into[$"{key}:{next++}"] = value;
        }
    }
}
