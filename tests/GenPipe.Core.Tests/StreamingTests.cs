using GenPipe.Abstractions.Operators;
using GenPipe.Core.Tests.Fakes;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests;

/// <summary>Operators that stream pieces of output: progress events and <see cref="PipelineEngine.StreamAsync{T}"/>.</summary>
public sealed class StreamingTests : IDisposable
{
    private const string Pipeline = """
        { "steps": [ { "id": "words", "op": "count", "in": { "upto": 5 } },
                     { "id": "note", "op": "note", "in": { "name": "done.txt" } } ] }
        """;

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    // Streams "w1".."wN" (strings) and, between them, their numbers (ints), then returns N.
    private static FakeOperator Counting(Action<int>? afterEach = null) => new(
        new OperatorSignature("count", "streams words", [], [new InputPort("upto", typeof(int))], typeof(int), Cacheable: false, StreamsOutput: true),
        async (ctx, ct) =>
        {
            int upto = ctx.GetInput<int>("upto");
            for (int i = 1; i <= upto; i++)
            {
                ct.ThrowIfCancellationRequested();
                ctx.ReportOutput($"w{i}");
                ctx.ReportOutput(i);
                afterEach?.Invoke(i);
                await Task.Yield();
            }

            return upto;
        });

    [Fact]
    public async Task Streamed_pieces_arrive_as_output_progress_in_order()
    {
        await using var host = new TestHost(extraOperators: [Counting(), ExecutorTests.NoteOperator()]);
        var progress = new SyncProgress();

        await host.Engine.RunAsync(host.Load(Pipeline), Out(), progress);

        progress.Events.Where(e => e.Kind == PipelineProgressKind.Output).Select(e => (e.StepId, e.Output))
            .ShouldBe([("words", "w1"), ("words", 1), ("words", "w2"), ("words", 2), ("words", "w3"), ("words", 3), ("words", "w4"), ("words", 4), ("words", "w5"), ("words", 5)]);
    }

    [Fact]
    public async Task A_streaming_step_taken_from_the_cache_streams_what_it_streamed_when_it_ran()
    {
        int ran = 0;
        var cacheable = new FakeOperator(
            new OperatorSignature("count", "streams words", [], [new InputPort("upto", typeof(int))], typeof(int), Cacheable: true, StreamsOutput: true),
            (ctx, _) =>
            {
                ran++;
                for (int i = 1; i <= ctx.GetInput<int>("upto"); i++)
                {
                    ctx.ReportOutput($"w{i}");
                }

                return ValueTask.FromResult<object>(ctx.GetInput<int>("upto"));
            });
        await using var host = new TestHost(extraOperators: [cacheable, ExecutorTests.NoteOperator()]);
        var pipeline = host.Load(Pipeline);

        var first = new List<string>();
        await foreach (string word in host.Engine.StreamAsync<string>(pipeline, Out()))
        {
            first.Add(word);
        }

        var second = new List<string>();
        await foreach (string word in host.Engine.StreamAsync<string>(pipeline, Out()))
        {
            second.Add(word);
        }

        ran.ShouldBe(1, "the second run takes the step from the cache");
        first.ShouldBe(["w1", "w2", "w3", "w4", "w5"]);
        second.ShouldBe(first);
    }

    [Fact]
    public async Task StreamAsync_yields_the_pieces_of_the_requested_type_and_the_run_completes()
    {
        await using var host = new TestHost(extraOperators: [Counting(), ExecutorTests.NoteOperator()]);
        var words = new List<string>();

        await foreach (string word in host.Engine.StreamAsync<string>(host.Load(Pipeline), Out()))
        {
            words.Add(word);
        }

        words.ShouldBe(["w1", "w2", "w3", "w4", "w5"]);
        File.Exists(Path.Combine(_temp.Output, "done.txt")).ShouldBeTrue("the whole run finished and committed its files");
    }

    [Fact]
    public async Task Leaving_the_loop_early_cancels_the_run_and_writes_nothing()
    {
        int produced = 0;
        await using var host = new TestHost(extraOperators: [Counting(i => produced = i), ExecutorTests.NoteOperator()]);
        var pipeline = host.Load(Pipeline.Replace("\"upto\": 5", "\"upto\": 100000", StringComparison.Ordinal));

        await foreach (int number in host.Engine.StreamAsync<int>(pipeline, Out()))
        {
            if (number == 3)
            {
                break;
            }
        }

        produced.ShouldBeLessThan(10, "the run keeps pace with the reader and stops soon after it leaves");
        Directory.Exists(_temp.Output).ShouldBeFalse("a cancelled run writes nothing");
    }

    [Fact]
    public async Task A_failing_run_throws_from_the_stream()
    {
        var failing = new FakeOperator(
            new OperatorSignature("count", "fails", [], [new InputPort("upto", typeof(int))], typeof(int), StreamsOutput: true),
            (ctx, _) =>
            {
                ctx.ReportOutput("w1");
                throw new InvalidOperationException("model fell over");
            });
        await using var host = new TestHost(extraOperators: [failing, ExecutorTests.NoteOperator()]);
        var seen = new List<string>();

        var error = await Should.ThrowAsync<PipelineExecutionException>(async () =>
        {
            await foreach (string word in host.Engine.StreamAsync<string>(host.Load(Pipeline), Out()))
            {
                seen.Add(word);
            }
        });

        seen.ShouldBe(["w1"]);
        error.Message.ShouldContain("model fell over");
    }

    private PipelineRunOptions Out() => new() { OutputDirectory = _temp.Output };
}
