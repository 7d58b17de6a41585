using System.CommandLine;

namespace GenPipe.Cli.Commands;

/// <summary>Options every command accepts: host settings and verbosity.</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Settings { get; } = new("--settings")
    {
        Description = "Host settings file (default: genpipe.json in the current folder, if present).",
        Recursive = true,
    };

    public Option<string[]> Plugins { get; } = new("--plugins")
    {
        Description = "An extra plugin folder to load (repeatable). Bundled plugins always load.",
        Recursive = true,
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<string[]> ModelRoots { get; } = new("--models")
    {
        Description = "A folder that component sources and configs are also looked up in (repeatable).",
        Recursive = true,
        Arity = ArgumentArity.ZeroOrMore,
    };

    public Option<string?> Device { get; } = new("--device")
    {
        Description = "The default device (cpu is the one built in).",
        Recursive = true,
    };

    public Option<string?> MemoryBudget { get; } = new("--memory-budget")
    {
        Description = "Memory budget for loaded components, e.g. 512MB or 2GB.",
        Recursive = true,
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Show diagnostic logging and stack traces.",
        Recursive = true,
    };

    public void AddTo(Command root)
    {
        root.Options.Add(Settings);
        root.Options.Add(Plugins);
        root.Options.Add(ModelRoots);
        root.Options.Add(Device);
        root.Options.Add(MemoryBudget);
        root.Options.Add(Verbose);
    }

    public HostArguments Read(ParseResult parsed) => new(
        parsed.GetValue(Settings),
        parsed.GetValue(Plugins) ?? [],
        parsed.GetValue(ModelRoots) ?? [],
        parsed.GetValue(Device),
        parsed.GetValue(MemoryBudget),
        parsed.GetValue(Verbose));
}

/// <summary>The global options' values for one invocation.</summary>
internal sealed record HostArguments(
    string? SettingsFile, IReadOnlyList<string> PluginFolders, IReadOnlyList<string> ModelRoots, string? Device, string? MemoryBudget, bool Verbose);
