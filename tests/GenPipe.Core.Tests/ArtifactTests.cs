using GenPipe.Abstractions.Operators;
using GenPipe.Core.Tests.Fakes;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests;

public sealed class ArtifactTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task FilesAreStagedOutOfSightUntilTheRunSucceeds()
    {
        string[]? duringRun = null;
        string? promised = null;
        var writer = new FakeOperator(
            new OperatorSignature("write", "writes then looks around", [], [], typeof(string), Cacheable: false),
            async (ctx, ct) =>
            {
                promised = await ctx.Artifacts.WriteAsync("a.bin", (s, c) => s.WriteAsync(new byte[] { 1, 2, 3 }, c), ct);
                duringRun = _temp.Entries();
                return promised;
            });
        await using var host = new TestHost(extraOperators: [writer]);
        var result = await host.Engine.RunAsync(
            host.Load("""{ "steps": [ { "id": "w", "op": "write" } ], "outputs": { "path": "w" } }"""),
            new PipelineRunOptions { OutputDirectory = _temp.Output });

        // While the run was going, the file sat in a hidden staging folder beside "out", and "out" did not exist.
        duringRun!.Length.ShouldBe(2);
        duringRun[0].ShouldStartWith(".genpipe-staging-");
        duringRun[1].ShouldBe(duringRun[0] + "/a.bin");

        promised.ShouldBe(Path.Combine(_temp.Output, "a.bin"));
        result.Files.ShouldBe([promised!]);
        result.Outputs["path"].ShouldBe(promised);
        File.ReadAllBytes(promised!).ShouldBe(new byte[] { 1, 2, 3 });
        _temp.Entries().ShouldBe(["out", "out/a.bin"]);
    }

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("sub/file.txt")]
    [InlineData("sub\\file.txt")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData(" padded.txt")]
    public async Task FileNamesWithFoldersOrParentsAreRefused(string name)
    {
        var writer = new FakeOperator(
            new OperatorSignature("write", "writes a named file", [], [new InputPort("name", typeof(string))], typeof(string), Cacheable: false),
            async (ctx, ct) => await ctx.Artifacts.WriteAsync(ctx.GetInput<string>("name"), (s, c) => s.WriteAsync(new byte[] { 1 }, c), ct));
        await using var host = new TestHost(extraOperators: [writer]);
        var pipeline = host.Load("""{ "steps": [ { "id": "w", "op": "write", "in": { "name": "x" } } ] }""", $"steps.w.in.name={System.Text.Json.JsonSerializer.Serialize(name)}");
        var ex = await Should.ThrowAsync<PipelineExecutionException>(() => host.Engine.RunAsync(pipeline, new PipelineRunOptions { OutputDirectory = _temp.Output }));
        ex.InnerException.ShouldBeOfType<ArgumentException>().Message.ShouldContain("not a valid artifact file name");
        _temp.Entries().ShouldBeEmpty();
        File.Exists(Path.Combine(Path.GetDirectoryName(_temp.Root)!, "escape.txt")).ShouldBeFalse();
    }

    [Fact]
    public async Task TheSameFileNameTwiceInOneRunIsRefused()
    {
        var writer = new FakeOperator(
            new OperatorSignature("write", "writes twice", [], [], typeof(string), Cacheable: false),
            async (ctx, ct) =>
            {
                await ctx.Artifacts.WriteAsync("a.txt", (s, c) => s.WriteAsync(new byte[] { 1 }, c), ct);
                return await ctx.Artifacts.WriteAsync("a.txt", (s, c) => s.WriteAsync(new byte[] { 2 }, c), ct);
            });
        await using var host = new TestHost(extraOperators: [writer]);
        var ex = await Should.ThrowAsync<PipelineExecutionException>(() => host.Engine.RunAsync(
            host.Load("""{ "steps": [ { "id": "w", "op": "write" } ] }"""), new PipelineRunOptions { OutputDirectory = _temp.Output }));
        ex.InnerException.ShouldBeOfType<InvalidOperationException>().Message.ShouldContain("already written");
        _temp.Entries().ShouldBeEmpty();
    }

    [Fact]
    public async Task AFailingWriterLeavesNoPartialFile()
    {
        var writer = new FakeOperator(
            new OperatorSignature("write", "fails half-way", [], [], typeof(string), Cacheable: false),
            async (ctx, ct) => await ctx.Artifacts.WriteAsync("half.bin", async (s, c) =>
            {
                await s.WriteAsync(new byte[] { 1, 2 }, c);
                throw new IOException("device unplugged");
            }, ct));
        await using var host = new TestHost(extraOperators: [writer]);
        var ex = await Should.ThrowAsync<PipelineExecutionException>(() => host.Engine.RunAsync(
            host.Load("""{ "steps": [ { "id": "w", "op": "write" } ] }"""), new PipelineRunOptions { OutputDirectory = _temp.Output }));
        ex.InnerException.ShouldBeOfType<IOException>();
        _temp.Entries().ShouldBeEmpty();
    }

    [Fact]
    public async Task ExistingOutputFolderKeepsOtherFilesAndGetsNewOnes()
    {
        Directory.CreateDirectory(_temp.Output);
        File.WriteAllText(Path.Combine(_temp.Output, "keep.txt"), "old");
        File.WriteAllText(Path.Combine(_temp.Output, "mix-0.txt"), "stale");
        await using var host = new TestHost();
        await host.Engine.RunAsync(host.Load(Samples.Mixture), new PipelineRunOptions { OutputDirectory = _temp.Output });
        File.ReadAllText(Path.Combine(_temp.Output, "keep.txt")).ShouldBe("old");
        File.ReadAllText(Path.Combine(_temp.Output, "mix-0.txt")).ShouldBe("7009");
    }

    [Fact]
    public async Task RunWithoutFilesCreatesNoOutputFolder()
    {
        await using var host = new TestHost();
        var result = await host.Engine.RunAsync(
            host.Load("""{ "steps": [ { "id": "x", "op": "add", "in": { "a": 1 } } ] }"""),
            new PipelineRunOptions { OutputDirectory = _temp.Output });
        result.Files.ShouldBeEmpty();
        _temp.Entries().ShouldBeEmpty();
    }
}
