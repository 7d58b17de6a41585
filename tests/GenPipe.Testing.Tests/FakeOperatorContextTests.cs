using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Operators;
using GenPipe.Tensors;
using NSubstitute;
using NSubstitute.Core;
using Shouldly;
using Xunit;

namespace GenPipe.Testing.Tests;

public sealed class FakeOperatorContextTests
{
    private static readonly OperatorSignature Signature = new(
        "scale",
        "Scales samples.",
        [new ComponentSlot("decoder", typeof(IDecoder)), new ComponentSlot("scheduler", typeof(IScheduler), Required: false)],
        [
            new InputPort("samples", typeof(Tensor)),
            new InputPort("count", typeof(int), Required: false, Default: 3),
            new InputPort("scale", typeof(double), Required: false, Default: 1.5),
            new InputPort("label", typeof(string), Required: false),
        ],
        typeof(Tensor));

    [Fact]
    public void Inputs_take_the_ports_defaults_and_numbers_convert_as_the_engine_converts_them()
    {
        var context = new FakeOperatorContext(Operator()).WithInput("scale", 2).WithInput("samples", Tensor.Zeros(2, 2));

        context.GetInput<int>("count").ShouldBe(3);
        context.GetInput<double>("scale").ShouldBe(2.0);
        context.GetInput<float>("scale").ShouldBe(2f);
        context.HasInput("count").ShouldBeTrue();
        context.HasInput("label").ShouldBeFalse();
        context.GetInput<string>("label").ShouldBeNull();
        context.GetInput<Tensor>("samples").GetShape().ShouldBe([2, 2]);

        context.WithInput("count", 2.5);
        Should.Throw<InvalidCastException>(() => context.GetInput<int>("count")).Message.ShouldContain("2.5, which is not a whole number");
        context.WithInput("count", 4.0).GetInput<long>("count").ShouldBe(4L);
        Should.Throw<ArgumentException>(() => context.WithInput("steps", 4)).Message.ShouldContain("declares no input 'steps'");
        Should.Throw<InvalidOperationException>(() => new FakeOperatorContext(Operator()).GetInput<Tensor>("samples")).Message.ShouldContain("no value for input 'samples'");
    }

    [Fact]
    public void Without_an_operator_inputs_are_exactly_what_the_test_gave()
    {
        var context = new FakeOperatorContext().WithInput("text", "hello").WithInput("n", 7);

        context.GetInput<string>("text").ShouldBe("hello");
        context.GetInput<double>("n").ShouldBe(7.0);
        context.HasInput("other").ShouldBeFalse();
        Should.Throw<InvalidOperationException>(() => context.GetInput<string>("other"));
    }

    [Fact]
    public async Task Components_come_from_their_slots_and_wrong_slots_or_types_are_errors()
    {
        var decoder = Substitute.For<IDecoder>();
        var context = new FakeOperatorContext(Operator()).WithComponent("decoder", decoder);

        (await context.GetComponentAsync<IDecoder>("decoder", CancellationToken.None)).ShouldBeSameAs(decoder);
        context.HasComponent("decoder").ShouldBeTrue();
        context.HasComponent("scheduler").ShouldBeFalse();
        await Should.ThrowAsync<InvalidOperationException>(async () => await context.GetComponentAsync<IScheduler>("scheduler", CancellationToken.None));
        await Should.ThrowAsync<InvalidCastException>(async () => await context.GetComponentAsync<IEncoder>("decoder", CancellationToken.None));
        Should.Throw<ArgumentException>(() => context.WithComponent("vae", decoder));
    }

    [Fact]
    public async Task Leases_are_recorded_until_the_operator_disposes_them()
    {
        var decoder = Substitute.For<IDecoder>();
        var scheduler = Substitute.For<IScheduler>();
        var context = new FakeOperatorContext(Operator()).WithComponent("decoder", decoder).WithComponent("scheduler", scheduler);

        var decoderLease = await context.AcquireAsync<IDecoder>("decoder", CancellationToken.None);
        await using (var schedulerLease = await context.AcquireAsync<IScheduler>("scheduler", CancellationToken.None))
        {
            schedulerLease.Value.ShouldBeSameAs(scheduler);
            context.OpenLeases.ShouldBe(["decoder", "scheduler"]);
        }

        context.OpenLeases.ShouldBe(["decoder"]);
        decoderLease.Dispose();
        decoderLease.Dispose();
        context.OpenLeases.ShouldBeEmpty();
        context.Leases.Select(l => (l.Slot, l.Component, l.IsReleased)).ShouldBe([("decoder", (object)decoder, true), ("scheduler", scheduler, true)]);

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(async () => await context.AcquireAsync<IDecoder>("decoder", cancelled.Token));
        context.Leases.Count.ShouldBe(2, "a cancelled acquisition holds nothing");
    }

    [Fact]
    public async Task An_operator_that_keeps_a_lease_open_shows_in_OpenLeases()
    {
        var decoded = new Tensor([4f, 6f], 1, 2);
        var decoder = Substitute.For<IDecoder>();
        decoder.DecodeAsync(Arg.Any<Tensor>(), Arg.Any<CancellationToken>()).Returns(decoded);
        var leaky = Operator();
#pragma warning disable CA2012 // NSubstitute configures the call; the ValueTask is not consumed here.
        leaky.ExecuteAsync(Arg.Any<OperatorContext>(), Arg.Any<CancellationToken>()).Returns((Func<CallInfo, ValueTask<object>>)(async call =>
        {
            // Acquires and never disposes the lease: the mistake OpenLeases exists to show.
            var context = call.Arg<OperatorContext>();
            var lease = await context.AcquireAsync<IDecoder>("decoder", CancellationToken.None);
            return await lease.Value.DecodeAsync(context.GetInput<Tensor>("samples"), CancellationToken.None);
        }));
#pragma warning restore CA2012
        var samples = new Tensor([2f, 3f], 1, 2);
        var context = new FakeOperatorContext(leaky).WithComponent("decoder", decoder).WithInput("samples", samples);

        (await leaky.ExecuteAsync(context, CancellationToken.None)).ShouldBeSameAs(decoded);

        await decoder.Received(1).DecodeAsync(samples, Arg.Any<CancellationToken>());
        context.OpenLeases.ShouldBe(["decoder"]);
    }

    [Fact]
    public void Iterations_and_streamed_output_are_recorded_in_order()
    {
        var seen = new List<int>();
        var context = new FakeOperatorContext { OnIteration = (current, _) => seen.Add(current) };

        context.ReportIteration(1, 3);
        context.ReportOutput("a");
        context.ReportIteration(2, 3);
        context.ReportOutput(42);

        context.Iterations.ShouldBe([(1, 3), (2, 3)]);
        context.Outputs.ShouldBe(["a", (object)42]);
        seen.ShouldBe([1, 2]);
        Should.Throw<ArgumentNullException>(() => context.ReportOutput(null!));
    }

    [Fact]
    public void Services_come_from_WithService_first_then_from_the_fallback_provider()
    {
        var scheduler = Substitute.For<IScheduler>();
        var fallback = Substitute.For<IServiceProvider>();
        fallback.GetService(typeof(string)).Returns("from the fallback");
        var context = new FakeOperatorContext().WithService(scheduler).WithServices(fallback);

        context.Services.GetService(typeof(IScheduler)).ShouldBeSameAs(scheduler);
        context.Services.GetService(typeof(string)).ShouldBe("from the fallback");
        context.Services.GetService(typeof(IDecoder)).ShouldBeNull();

        fallback.DidNotReceive().GetService(typeof(IScheduler));
        fallback.Received(1).GetService(typeof(string));
        new FakeOperatorContext().Services.GetService(typeof(string)).ShouldBeNull();
    }

    [Fact]
    public async Task The_sink_keeps_written_files_and_nothing_of_a_failed_write()
    {
        var sink = new FakeOperatorContext().Sink;

        string path = await sink.WriteAsync("a.bin", async (stream, ct) => await stream.WriteAsync(new byte[] { 1, 2, 3 }, ct), CancellationToken.None);
        await Should.ThrowAsync<IOException>(async () => await sink.WriteAsync("b.bin", (_, _) => throw new IOException("disk full"), CancellationToken.None));
        await sink.WriteAsync("b.bin", async (stream, ct) => await stream.WriteAsync(new byte[] { 9 }, ct), CancellationToken.None);

        path.ShouldBe(FakeArtifactSink.OutputFolder + "/a.bin");
        sink.Files.Select(f => f.FileName).ShouldBe(["a.bin", "b.bin"]);
        sink.Files[0].Content.ShouldBe([1, 2, 3]);
        sink["b.bin"].ShouldBe([9]);
        (await Should.ThrowAsync<InvalidOperationException>(async () => await sink.WriteAsync("A.BIN", (_, _) => ValueTask.CompletedTask, CancellationToken.None)))
            .Message.ShouldContain("already written");
        await Should.ThrowAsync<ArgumentException>(async () => await sink.WriteAsync("../up.bin", (_, _) => ValueTask.CompletedTask, CancellationToken.None));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(async () => await sink.WriteAsync("c.bin", (_, _) => ValueTask.CompletedTask, cancelled.Token));
        sink.Files.Count.ShouldBe(2);
    }

    private static IPipelineOperator Operator()
    {
        var op = Substitute.For<IPipelineOperator>();
        op.Signature.Returns(Signature);
        return op;
    }
}
