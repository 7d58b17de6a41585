using GenPipe.Abstractions.Operators;

namespace GenPipe.Diffusion.Tests.Fakes;

/// <summary>An artifact sink that keeps every file in memory, in write order.</summary>
public sealed class FakeArtifactSink : IArtifactSink
{
    public const string OutputFolder = "/fake-output";

    public List<(string FileName, byte[] Content)> Files { get; } = [];

    public async ValueTask<string> WriteAsync(string fileName, Func<Stream, CancellationToken, ValueTask> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(write);
        using var stream = new MemoryStream();
        await write(stream, cancellationToken);
        Files.Add((fileName, stream.ToArray()));
        return OutputFolder + "/" + fileName;
    }
}
