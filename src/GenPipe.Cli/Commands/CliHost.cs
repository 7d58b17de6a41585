using GenPipe.Core;
using GenPipe.Core.Catalog;
using GenPipe.Hosting;
using GenPipe.Hosting.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GenPipe.Cli.Commands;

/// <summary>The GenPipe host as the command line builds it: settings, plugins, engine.</summary>
internal sealed class CliHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private CliHost(ServiceProvider services) => _services = services;

    public ComponentCatalog Catalog => _services.GetRequiredService<ComponentCatalog>();

    public PluginLoadReport Plugins => _services.GetRequiredService<PluginLoadReport>();

    public PipelineEngine Engine => _services.GetRequiredService<PipelineEngine>();

    /// <summary>The services components see: the host's and those plugins registered (inspectors, ...).</summary>
    public IServiceProvider Services => _services.GetRequiredService<PluginHost>().Services;

    /// <summary>Builds the host; settings errors surface as <see cref="GenPipeConfigurationException"/>.</summary>
    public static CliHost Create(HostArguments arguments, TextWriter error)
    {
        // The global options become configuration switches, so they override genpipe.json and GENPIPE_* variables.
        var commandLine = new List<string>();
        if (arguments.MemoryBudget is not null)
        {
            commandLine.AddRange(["--memory-budget", arguments.MemoryBudget]);
        }

        if (arguments.Device is not null)
        {
            commandLine.AddRange(["--device", arguments.Device]);
        }

        foreach (string folder in arguments.PluginFolders)
        {
            commandLine.AddRange(["--plugins", folder]);
        }

        foreach (string folder in arguments.ModelRoots)
        {
            commandLine.AddRange(["--models", folder]);
        }

        var settingsWarnings = new List<string>();
        var configuration = GenPipeConfiguration.Build(arguments.SettingsFile, commandLine, Environment.CurrentDirectory, settingsWarnings);
        foreach (string warning in settingsWarnings)
        {
            error.WriteLine($"warning: {warning}");
        }

        var services = new ServiceCollection();
        services.AddLogging(logging => logging
            .AddProvider(new TextWriterLoggerProvider(error))
            .SetMinimumLevel(arguments.Verbose ? LogLevel.Debug : LogLevel.Warning)
            // The commands print the engine's pipeline warnings themselves, with their file positions.
            .AddFilter(typeof(PipelineEngine).FullName, arguments.Verbose ? LogLevel.Debug : LogLevel.Error));
        services.AddGenPipe().BindConfiguration(configuration, Environment.CurrentDirectory);

        var host = new CliHost(services.BuildServiceProvider());
        _ = host.Catalog;
        foreach (string problem in host.Plugins.ProblemMessages)
        {
            error.WriteLine($"warning: {problem}");
        }

        return host;
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync().ConfigureAwait(false);
}
