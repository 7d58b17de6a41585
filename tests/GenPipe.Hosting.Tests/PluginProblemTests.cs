using GenPipe.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NSubstitute;
using Shouldly;
using Xunit;

namespace GenPipe.Hosting.Tests;

/// <summary>
/// An embedding app whose plugin folder is missing or holds a broken assembly learns it when the engine starts: a
/// warning through its ILogger, the problems on the engine, and a note beside the "unknown component type" error.
/// </summary>
public sealed class PluginProblemTests
{
    private const string PipelineNeedingThePlugin = """
        { "components": { "d": { "type": "test/echo" } },
          "steps": [ { "id": "x", "op": "decode", "with": { "decoder": "d" }, "in": { "latents": "x" } } ] }
        """;

    public static TheoryData<string, string> BrokenFolders() => new()
    {
        { "missing", "Plugin folder not found" },
        { "ThrowingPlugin", "ThrowingPlugin cannot find its configuration" },
    };

    [Theory]
    [MemberData(nameof(BrokenFolders))]
    public async Task The_app_is_warned_through_its_logger_and_the_engine_reports_the_problem(string folder, string reason)
    {
        string path = folder == "missing" ? Path.Combine(TestPlugins.NewTempFolder(), "no-such-plugins") : TestPlugins.Folder(folder);
        var logger = Substitute.For<ILogger>();
        logger.IsEnabled(Arg.Any<LogLevel>()).Returns(true);
        var loggers = Substitute.For<ILoggerProvider>();
        loggers.CreateLogger(Arg.Any<string>()).Returns(logger);
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(loggers));
        services.AddGenPipe(o => o.UseDefaultPluginFolder = false).AddPluginsFrom(path);
        await using var provider = services.BuildServiceProvider();

        var engine = provider.GetRequiredService<PipelineEngine>();

        engine.PluginProblems.ShouldHaveSingleItem().ShouldContain(reason);
        var warnings = logger.ReceivedCalls()
            .Where(call => call.GetMethodInfo().Name == nameof(ILogger.Log) && (LogLevel)call.GetArguments()[0]! == LogLevel.Warning)
            .Select(call => call.GetArguments()[2]!.ToString()!)
            .ToList();
        warnings.ShouldHaveSingleItem().ShouldContain(reason);

        var invalid = Should.Throw<PipelineValidationException>(() => engine.Load(PipelineNeedingThePlugin, "app.json", null));
        invalid.Diagnostics.ShouldContain(d => d.Message.Contains("unknown component type 'test/echo'", StringComparison.Ordinal)
            && d.Message.Contains("1 plugin(s) could not be loaded", StringComparison.Ordinal) && d.Message.Contains(reason, StringComparison.Ordinal));
    }
}
