using System.Runtime.CompilerServices;
using GenPipe.Abstractions.Operators;
using GenPipe.Core.Tests.Fakes;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests;

/// <summary>A step's output is dropped once the last step that reads it has run, unless the pipeline returns it.</summary>
[Collection(ProcessWideState.Name)]
public sealed class OutputLifetimeTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private WeakReference? _made;

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_output_outlives_its_last_reader_only_when_the_pipeline_returns_it(bool returned)
    {
        await using var host = new TestHost(extraOperators: [Make(), Use(), Probe()]);
        string outputs = returned ? """{ "made": "made", "alive": "alive" }""" : """{ "alive": "alive" }""";
        var pipeline = host.Load($$"""
            { "steps": [ { "id": "made", "op": "make" },
                         { "id": "used", "op": "use", "in": { "value": "@made" } },
                         { "id": "alive", "op": "probe", "in": { "after": "@used" } } ],
              "outputs": {{outputs}} }
            """);

        var result = await host.Engine.RunAsync(pipeline, new PipelineRunOptions { OutputDirectory = _temp.Output });

        result.Outputs["alive"].ShouldBe(returned, returned ? "a returned output stays" : "the output was dropped after 'used' read it");
    }

    private FakeOperator Make() => new(
        new OperatorSignature("make", "a large object", [], [], typeof(byte[]), Cacheable: false),
        (_, _) => ValueTask.FromResult<object>(Remember(new byte[8 << 20])));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private byte[] Remember(byte[] value)
    {
        _made = new WeakReference(value);
        return value;
    }

    private static FakeOperator Use() => new(
        new OperatorSignature("use", "reads it", [], [new InputPort("value", typeof(byte[]))], typeof(int), Cacheable: false),
        (ctx, _) => ValueTask.FromResult<object>(ctx.GetInput<byte[]>("value").Length));

    private FakeOperator Probe() => new(
        new OperatorSignature("probe", "is it still alive?", [], [new InputPort("after", typeof(int))], typeof(bool), Cacheable: false),
        (_, _) =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return ValueTask.FromResult<object>(_made!.IsAlive);
        });
}
