using Microsoft.Extensions.Logging;

namespace GenPipe.Cli.Commands;

/// <summary>Writes log lines to the command's error stream (so in-process invocations capture them too).</summary>
internal sealed class TextWriterLoggerProvider(TextWriter writer) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(writer, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(TextWriter writer, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string level = logLevel switch
            {
                LogLevel.Warning => "warning",
                LogLevel.Error or LogLevel.Critical => "error",
                _ => logLevel.ToString().ToLowerInvariant(),
            };
            string source = category[(category.LastIndexOf('.') + 1)..];
            lock (writer)
            {
                writer.WriteLine($"{level}: {formatter(state, exception)} [{source}]");
            }
        }
    }
}
