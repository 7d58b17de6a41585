using GenPipe.Abstractions.Operators;
using GenPipe.Core.Tests.Fakes;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests;

public sealed class ExecutorTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task RunProducesOutputsAndFiles()
    {
        await using var host = new TestHost();
        var result = await host.Engine.RunAsync(host.Load(Samples.Mixture), Out());

        // seed * 1000 + guidance * scale + steps = 7000 + 2.5 * 2 + 4
        result.Outputs["latents"].ShouldBe(new FakeLatents(7009, 3));
        result.Outputs["samples"].ShouldBe(new FakeImages(7009, 3));
        result.Files.ShouldBe(new[] { 0, 1, 2 }.Select(i => Path.Combine(_temp.Output, $"mix-{i}.txt")).ToArray());
        File.ReadAllText(result.Files[2]).ShouldBe("7009");
        _temp.Entries().ShouldBe(["out", "out/mix-0.txt", "out/mix-1.txt", "out/mix-2.txt"]);
        host.Executed.ShouldBe(["latents", "images", "files"]);
        result.Elapsed.ShouldBeGreaterThan(TimeSpan.Zero);
    }

    [Fact]
    public async Task ProgressReportsStepsAndIterationsInOrder()
    {
        await using var host = new TestHost();
        var progress = new SyncProgress();
        await host.Engine.RunAsync(host.Load(Samples.Mixture), Out(), progress);

        progress.Events.Select(e => (e.Kind, e.StepId, e.StepIndex, e.StepCount, e.Iteration, e.IterationCount)).ShouldBe(
        [
            (PipelineProgressKind.StepStarted, "latents", 0, 3, 0, 0),
            (PipelineProgressKind.Iteration, "latents", 0, 3, 1, 4),
            (PipelineProgressKind.Iteration, "latents", 0, 3, 2, 4),
            (PipelineProgressKind.Iteration, "latents", 0, 3, 3, 4),
            (PipelineProgressKind.Iteration, "latents", 0, 3, 4, 4),
            (PipelineProgressKind.StepCompleted, "latents", 0, 3, 0, 0),
            (PipelineProgressKind.StepStarted, "images", 1, 3, 0, 0),
            (PipelineProgressKind.StepCompleted, "images", 1, 3, 0, 0),
            (PipelineProgressKind.StepStarted, "files", 2, 3, 0, 0),
            (PipelineProgressKind.StepCompleted, "files", 2, 3, 0, 0),
        ]);
    }

    [Fact]
    public async Task CancellationMidStepThrowsAndWritesNothing()
    {
        var note = NoteOperator();
        await using var host = new TestHost(extraOperators: [note]);
        var pipeline = host.Load("""
        { "components": { "d": { "type": "denoiser/fake" }, "s": { "type": "scheduler/fake-ddim" } },
          "steps": [ { "id": "note", "op": "note", "in": { "name": "before.txt" } },
                     { "id": "latents", "op": "diffuse", "with": { "denoiser": "d", "scheduler": "s" }, "in": { "steps": 10 } } ] }
        """);
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(e =>
        {
            if (e is { Kind: PipelineProgressKind.Iteration, Iteration: 3 })
            {
                cts.Cancel();
            }
        });

        await Should.ThrowAsync<OperationCanceledException>(() => host.Engine.RunAsync(pipeline, Out(), progress, cts.Token));

        progress.Events.Count(e => e.Kind == PipelineProgressKind.Iteration).ShouldBe(3);
        progress.Events.ShouldNotContain(e => e.Kind == PipelineProgressKind.StepCompleted && e.StepId == "latents");
        note.Calls.ShouldBe(1);
        host.Executed.ShouldBe(["latents"]);
        _temp.Entries().ShouldBeEmpty(); // no output folder, no staging folder, no file
    }

    [Fact]
    public async Task CancellationBetweenStepsStopsBeforeTheNextStep()
    {
        await using var host = new TestHost();
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(e =>
        {
            if (e is { Kind: PipelineProgressKind.StepCompleted, StepId: "images" })
            {
                cts.Cancel();
            }
        });

        await Should.ThrowAsync<OperationCanceledException>(() => host.Engine.RunAsync(host.Load(Samples.Mixture), Out(), progress, cts.Token));
        host.Executed.ShouldBe(["latents", "images"]);
        _temp.Entries().ShouldBeEmpty();
    }

    [Fact]
    public async Task FailingStepIsNamedAndItsFilesAreDiscarded()
    {
        await using var host = new TestHost();
        var pipeline = host.Load(Samples.Mixture, "steps.files.in.fail=true");
        var ex = await Should.ThrowAsync<PipelineExecutionException>(() => host.Engine.RunAsync(pipeline, Out()));
        ex.StepId.ShouldBe("files");
        ex.Message.ShouldBe("Step 'files' (save) failed: disk full (simulated)");
        ex.InnerException.ShouldBeOfType<InvalidOperationException>();
        _temp.Entries().ShouldBeEmpty();
    }

    [Fact]
    public async Task InputsConvertBetweenNumericTypes()
    {
        var seen = new List<object?>();
        var probe = new FakeOperator(
            new OperatorSignature("probe", "reads inputs", [], [
                new InputPort("i", typeof(int)),
                new InputPort("d", typeof(double)),
                new InputPort("s", typeof(string), Required: false),
                new InputPort("k", typeof(int), Required: false, Default: 5),
            ], typeof(int)),
            (ctx, _) =>
            {
                seen.Add(ctx.GetInput<double>("i"));
                seen.Add(ctx.GetInput<long>("i"));
                seen.Add(ctx.GetInput<float>("d"));
                seen.Add(ctx.GetInput<int>("d"));
                seen.Add(ctx.HasInput("s"));
                seen.Add(ctx.GetInput<string?>("s"));
                seen.Add(ctx.HasInput("k"));
                seen.Add(ctx.GetInput<int>("k"));
                seen.Add(ctx.HasComponent("none"));
                Should.Throw<InvalidCastException>(() => ctx.GetInput<bool>("i"));
                return ValueTask.FromResult<object>(0);
            });
        await using var host = new TestHost(extraOperators: [probe]);
        await host.Engine.RunAsync(host.Load("""{ "steps": [ { "id": "p", "op": "probe", "in": { "i": 3, "d": 2 } } ] }"""), Out());
        seen.ShouldBe([3.0, 3L, 2f, 2, false, null, true, 5, false]);
    }

    [Fact]
    public async Task SameCompiledPipelineRunsConcurrentlyWithoutSharingFiles()
    {
        await using var host = new TestHost();
        var pipeline = host.Load(Samples.Mixture);
        string outA = Path.Combine(_temp.Root, "a");
        string outB = Path.Combine(_temp.Root, "b");
        var results = await Task.WhenAll(
            host.Engine.RunAsync(pipeline, new PipelineRunOptions { OutputDirectory = outA }),
            host.Engine.RunAsync(pipeline, new PipelineRunOptions { OutputDirectory = outB }));
        results[0].Files.Count.ShouldBe(3);
        results[1].Files.Count.ShouldBe(3);
        _temp.Entries().Length.ShouldBe(8);
    }

    /// <summary>An operator that writes one file named by its input.</summary>
    internal static FakeOperator NoteOperator() => new(
        new OperatorSignature("note", "writes a file", [], [new InputPort("name", typeof(string))], typeof(string), Cacheable: false),
        async (ctx, ct) => await ctx.Artifacts.WriteAsync(ctx.GetInput<string>("name"), (s, c) => s.WriteAsync("note"u8.ToArray(), c), ct));

    private PipelineRunOptions Out() => new() { OutputDirectory = _temp.Output };
}
