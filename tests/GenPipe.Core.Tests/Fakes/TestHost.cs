using System.Globalization;
using GenPipe.Abstractions.Operators;
using GenPipe.Core.Catalog;
using Shouldly;

namespace GenPipe.Core.Tests.Fakes;

/// <summary>A catalog of fake components and operators, and an engine over it, for one test.</summary>
public sealed class TestHost : IAsyncDisposable
{
    public const string SourceName = "pipelines/test.json";

    public TestHost(string? baseDirectory = null, IReadOnlyList<string>? modelRoots = null, IEnumerable<IPipelineOperator>? extraOperators = null)
    {
        BaseDirectory = baseDirectory;
        Diffuse = new FakeOperator(
            new OperatorSignature(
                "diffuse",
                "fake diffusion",
                [new ComponentSlot("denoiser", typeof(IFakeDenoiser)), new ComponentSlot("scheduler", typeof(IFakeScheduler))],
                [
                    new InputPort("steps", typeof(int)),
                    new InputPort("seed", typeof(int), Required: false, Default: 0),
                    new InputPort("count", typeof(int), Required: false, Default: 1),
                    new InputPort("guidance", typeof(double), Required: false, Default: 1.0),
                ],
                typeof(FakeLatents)),
            async (ctx, ct) =>
            {
                Record(ctx.StepId);
                var denoiser = await ctx.GetComponentAsync<IFakeDenoiser>("denoiser", ct);
                _ = await ctx.GetComponentAsync<IFakeScheduler>("scheduler", ct);
                int steps = ctx.GetInput<int>("steps");
                for (int i = 1; i <= steps; i++)
                {
                    ct.ThrowIfCancellationRequested();
                    ctx.ReportIteration(i, steps);
                }

                double value = (ctx.GetInput<int>("seed") * 1000) + (ctx.GetInput<double>("guidance") * denoiser.Scale) + steps;
                return new FakeLatents(value, ctx.GetInput<int>("count"));
            });
        Decode = new FakeOperator(
            new OperatorSignature(
                "decode",
                "fake decode",
                [new ComponentSlot("decoder", typeof(IFakeDecoder), Required: false)],
                [new InputPort("latents", typeof(FakeLatents))],
                typeof(FakeImages)),
            async (ctx, ct) =>
            {
                Record(ctx.StepId);
                var latents = ctx.GetInput<FakeLatents>("latents");
                if (!ctx.HasComponent("decoder"))
                {
                    return new FakeImages(-latents.Value, latents.Count);
                }

                var decoder = await ctx.GetComponentAsync<IFakeDecoder>("decoder", ct);
                return decoder.Decode(latents);
            });
        Save = new FakeOperator(
            new OperatorSignature(
                "save",
                "writes one text file per sample",
                [],
                [
                    new InputPort("samples", typeof(FakeImages)),
                    new InputPort("name", typeof(string)),
                    new InputPort("fail", typeof(bool), Required: false, Default: false),
                ],
                typeof(string[]),
                Cacheable: false),
            async (ctx, ct) =>
            {
                Record(ctx.StepId);
                var samples = ctx.GetInput<FakeImages>("samples");
                string name = ctx.GetInput<string>("name");
                var paths = new List<string>();
                for (int i = 0; i < samples.Count; i++)
                {
                    string text = samples.Value.ToString(CultureInfo.InvariantCulture);
                    paths.Add(await ctx.Artifacts.WriteAsync($"{name}-{i}.txt", async (s, c) =>
                    {
                        using var writer = new StreamWriter(s, leaveOpen: true);
                        await writer.WriteAsync(text.AsMemory(), c);
                    }, ct));
                }

                if (ctx.GetInput<bool>("fail"))
                {
                    throw new InvalidOperationException("disk full (simulated)");
                }

                return paths.ToArray();
            });
        Add = new FakeOperator(
            new OperatorSignature(
                "add",
                "a + b",
                [],
                [new InputPort("a", typeof(double)), new InputPort("b", typeof(double), Required: false, Default: 0.0)],
                typeof(double)),
            (ctx, _) =>
            {
                Record(ctx.StepId);
                return ValueTask.FromResult<object>(ctx.GetInput<double>("a") + ctx.GetInput<double>("b"));
            });
        Text = new FakeOperator(
            new OperatorSignature("text", "echoes a string", [], [new InputPort("value", typeof(string))], typeof(string)),
            (ctx, _) =>
            {
                Record(ctx.StepId);
                return ValueTask.FromResult<object>(ctx.GetInput<string>("value"));
            });

        var builder = new ComponentCatalogBuilder();
        foreach (var descriptor in Components.Descriptors())
        {
            builder.AddComponent(descriptor, CatalogSource.BuiltIn).ShouldBeNull();
        }

        foreach (var op in new IPipelineOperator[] { Diffuse, Decode, Save, Add, Text }.Concat(extraOperators ?? []))
        {
            builder.AddOperator(op, CatalogSource.BuiltIn).ShouldBeNull();
        }

        Catalog = builder.Build();
        Engine = new PipelineEngine(Catalog, new EmptyServices(), new PipelineEngineOptions { ModelRoots = modelRoots ?? [] });
    }

    public string? BaseDirectory { get; }

    public FakeComponentTypes Components { get; } = new();

    public FakeOperator Diffuse { get; }

    public FakeOperator Decode { get; }

    public FakeOperator Save { get; }

    public FakeOperator Add { get; }

    public FakeOperator Text { get; }

    public ComponentCatalog Catalog { get; }

    public PipelineEngine Engine { get; }

    /// <summary>Step ids in the order their operators ran.</summary>
    public List<string> Executed { get; } = [];

    public CompiledPipeline Load(string json, params string[] overrides) =>
        Engine.Load(json, SourceName, BaseDirectory, overrides);

    /// <summary>Loads a pipeline that must fail and returns its errors.</summary>
    public IReadOnlyList<PipelineDiagnostic> Errors(string json, params string[] overrides) =>
        Should.Throw<PipelineValidationException>(() => Load(json, overrides)).Diagnostics;

    public ValueTask DisposeAsync() => Engine.DisposeAsync();

    private void Record(string stepId)
    {
        lock (Executed)
        {
            Executed.Add(stepId);
        }
    }
}
