using GenPipe.Abstractions.Operators;
using GenPipe.Core.Tests.Fakes;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests;

public sealed class CachingTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task UnchangedStepsRunOnceAcrossRuns()
    {
        await using var host = new TestHost();
        var first = await host.Engine.RunAsync(host.Load(Samples.Mixture), Out());
        var progress = new SyncProgress();
        var second = await host.Engine.RunAsync(host.Load(Samples.Mixture), Out(), progress);

        host.Diffuse.Calls.ShouldBe(1);
        host.Decode.Calls.ShouldBe(1);
        host.Save.Calls.ShouldBe(2); // not cacheable: it has side effects
        second.Outputs["samples"].ShouldBe(first.Outputs["samples"]);
        progress.Events.Select(e => (e.Kind, e.StepId)).ShouldBe(
        [
            (PipelineProgressKind.StepCached, "latents"),
            (PipelineProgressKind.StepCached, "images"),
            (PipelineProgressKind.StepStarted, "files"),
            (PipelineProgressKind.StepCompleted, "files"),
        ]);
        second.Files.Count.ShouldBe(3);
    }

    [Fact]
    public async Task ChangedUpstreamParameterRerunsTheStepAndEverythingDownstream()
    {
        await using var host = new TestHost();
        await host.Engine.RunAsync(host.Load(Samples.Mixture), Out());
        var result = await host.Engine.RunAsync(host.Load(Samples.Mixture, "seed=8"), Out());

        host.Diffuse.Calls.ShouldBe(2);
        host.Decode.Calls.ShouldBe(2); // its upstream re-ran with a different value
        result.Outputs["samples"].ShouldBe(new FakeImages(8009, 3));
        File.ReadAllText(Path.Combine(_temp.Output, "mix-0.txt")).ShouldBe("8009");

        // Back to the first seed: only the last result per step is kept, so it runs again.
        await host.Engine.RunAsync(host.Load(Samples.Mixture), Out());
        host.Diffuse.Calls.ShouldBe(3);
    }

    [Fact]
    public async Task ChangedDownstreamParameterKeepsUpstreamCached()
    {
        await using var host = new TestHost();
        await host.Engine.RunAsync(host.Load(Samples.Mixture), Out());
        var result = await host.Engine.RunAsync(host.Load(Samples.Mixture, "label=other"), Out());
        host.Diffuse.Calls.ShouldBe(1);
        host.Decode.Calls.ShouldBe(1);
        result.Files.Select(Path.GetFileName).ShouldBe(["other-0.txt", "other-1.txt", "other-2.txt"]);
    }

    [Fact]
    public async Task ChangedComponentOptionsInvalidateTheStepsThatUseThem()
    {
        await using var host = new TestHost();
        await host.Engine.RunAsync(host.Load(Samples.Mixture), Out());
        await host.Engine.RunAsync(host.Load(Samples.Mixture, "components.scheduler.options.eta=0.5"), Out());
        host.Diffuse.Calls.ShouldBe(2);
        host.Decode.Calls.ShouldBe(2);

        // An option written differently but bound to the same value is the same component.
        await host.Engine.RunAsync(host.Load(Samples.Mixture, "components.scheduler.options.eta=0.50"), Out());
        host.Diffuse.Calls.ShouldBe(2);
    }

    [Fact]
    public async Task StepDownstreamOfANonCacheableStepAlwaysRuns()
    {
        var note = ExecutorTests.NoteOperator();
        await using var host = new TestHost(extraOperators: [note]);
        const string json = """
        { "steps": [ { "id": "n", "op": "note", "in": { "name": "n.txt" } },
                     { "id": "echo", "op": "text", "in": { "value": "@n" } } ] }
        """;
        await host.Engine.RunAsync(host.Load(json), Out());
        await host.Engine.RunAsync(host.Load(json), Out());
        note.Calls.ShouldBe(2);
        host.Text.Calls.ShouldBe(2);
    }

    private PipelineRunOptions Out() => new() { OutputDirectory = _temp.Output };
}
