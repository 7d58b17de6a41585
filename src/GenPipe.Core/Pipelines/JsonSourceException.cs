namespace GenPipe.Core.Pipelines;

/// <summary>Malformed JSON, with the position the reader stopped at.</summary>
internal sealed class JsonSourceException(string message, SourcePosition position, Exception inner) : Exception(message, inner)
{
    public SourcePosition Position { get; } = position;
}
