using System.Text.Json;
using System.Text.Json.Nodes;
using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Core;
using GenPipe.Core.Catalog;
using GenPipe.Core.Operators;
using GenPipe.Diffusion;
using GenPipe.Diffusion.Diffuse;
using GenPipe.Schedulers;
using GenPipe.Tensors;
using Microsoft.Extensions.DependencyInjection;

namespace GenPipe.Bench.SchedulerQuality;

/// <summary>
/// The engine the bench runs: built-in operators, the schedulers and diffusion plugins as a host registers them, and
/// one bench component, <c>denoiser/counted-gaussian-mixture</c>, the exact mixture denoiser behind a call counter.
/// Every sample comes out of the real <c>diffuse</c> operator run by <see cref="PipelineEngine"/>.
/// </summary>
internal sealed class BenchHost : IAsyncDisposable
{
    public const string CountedDenoiserId = "denoiser/counted-gaussian-mixture";

    private static readonly JsonSerializerOptions OptionsJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private readonly ServiceProvider _services;
    private readonly PipelineEngine _engine;
    private readonly JsonObject _mixtureOptions;
    private int _runs;

    public BenchHost(JsonObject mixtureOptions)
    {
        ArgumentNullException.ThrowIfNull(mixtureOptions);
        _mixtureOptions = mixtureOptions;
        var catalog = new ComponentCatalogBuilder();
        foreach (var op in BuiltInOperators.All)
        {
            catalog.AddOperator(op, CatalogSource.BuiltIn);
        }

        Schedulers = RegistrationCollector.Register(new SchedulersPlugin(), catalog)
            .Where(d => d.ContractType == typeof(IScheduler))
            .ToArray();
        RegistrationCollector.Register(new DiffusionPlugin(), catalog);
        catalog.AddComponent(
            ComponentDescriptor.Create<IDenoiser, GaussianMixtureOptions>(
                CountedDenoiserId,
                "The exact Gaussian-mixture denoiser, counting its calls (bench only).",
                options => new CountingDenoiser(new GaussianMixtureDenoiser(options), Counter)),
            new CatalogSource("GenPipe.Bench.SchedulerQuality"));
        _services = new ServiceCollection().BuildServiceProvider();
        _engine = new PipelineEngine(catalog.Build(), _services);
        MixtureOptions = mixtureOptions.Deserialize<GaussianMixtureOptions>(OptionsJson)
            ?? throw new ArgumentException("The mixture's options are empty.", nameof(mixtureOptions));
        Denoiser = new GaussianMixtureDenoiser(MixtureOptions);
    }

    /// <summary>Every scheduler the schedulers plugin registers, in its order.</summary>
    public IReadOnlyList<ComponentDescriptor> Schedulers { get; }

    /// <summary>Counts the denoiser calls of the engine's runs.</summary>
    public EvaluationCounter Counter { get; } = new();

    /// <summary>The mixture's options as bound (training schedule included).</summary>
    public GaussianMixtureOptions MixtureOptions { get; }

    /// <summary>An uncounted copy of the exact denoiser, for probing a scheduler outside the engine.</summary>
    public GaussianMixtureDenoiser Denoiser { get; }

    /// <summary>
    /// The scheduler options the bench binds: the keys <paramref name="descriptor"/>'s options type has, out of the
    /// mixture's training schedule, <c>prediction_type = epsilon</c>, <c>clip_sample = false</c> and
    /// <c>timestep_spacing = <paramref name="spacing"/></c> unless that is <c>default</c>. Everything else keeps its default.
    /// </summary>
    public JsonObject SchedulerOptions(ComponentDescriptor descriptor, string spacing)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var known = descriptor.OptionsType.GetProperties()
            .Where(p => p.SetMethod is { IsPublic: true })
            .Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name))
            .ToHashSet(StringComparer.Ordinal);
        var wanted = new JsonObject
        {
            ["num_train_timesteps"] = MixtureOptions.NumTrainTimesteps,
            ["beta_start"] = MixtureOptions.BetaStart,
            ["beta_end"] = MixtureOptions.BetaEnd,
            ["beta_schedule"] = MixtureOptions.BetaSchedule,
            ["prediction_type"] = "epsilon",
            ["clip_sample"] = false,
        };
        if (spacing != BenchOptions.DefaultSpacing)
        {
            wanted["timestep_spacing"] = spacing;
        }

        var options = new JsonObject();
        foreach (var (key, value) in wanted)
        {
            if (known.Contains(key))
            {
                options[key] = value?.DeepClone();
            }
        }

        return options;
    }

    /// <summary>The <c>timestep_spacing</c> the options give (bound defaults included), or null when the scheduler has none.</summary>
    public static string? EffectiveSpacing(ComponentDescriptor descriptor, JsonObject options)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var property = descriptor.OptionsType.GetProperties()
            .FirstOrDefault(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name) == "timestep_spacing");
        if (property is null)
        {
            return null;
        }

        try
        {
            return property.GetValue(options.Deserialize(descriptor.OptionsType, OptionsJson))?.ToString();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Creates the scheduler outside the engine, with the same options, to ask what the engine cannot tell: its
    /// prediction type and whether its steps draw noise.
    /// </summary>
    public async Task<IScheduler> CreateSchedulerAsync(ComponentDescriptor descriptor, JsonObject options)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var bound = options.Deserialize(descriptor.OptionsType, OptionsJson)
            ?? throw new InvalidOperationException($"{descriptor.Id}: the options bound to nothing.");
        if (bound is IValidatableOptions validatable && validatable.Validate().ToList() is { Count: > 0 } problems)
        {
            throw new InvalidOperationException(string.Join(" ", problems.Select(p => $"{p.Key}: {p.Message}")));
        }

        var context = new ComponentActivationContext { Name = "scheduler", Options = bound, Services = _services };
        return (IScheduler)await descriptor.Factory(context, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the <c>diffuse</c> step through the engine and returns its samples with the denoiser calls it made.
    /// </summary>
    /// <exception cref="PipelineValidationException">The scheduler rejects the pipeline.</exception>
    /// <exception cref="PipelineExecutionException">The run failed (e.g. the scheduler expects another prediction type).</exception>
    public async Task<(Tensor Samples, long Calls)> DiffuseAsync(string schedulerId, JsonObject schedulerOptions, int steps, int seed, int count)
    {
        var document = new JsonObject
        {
            ["format_version"] = 1,
            ["name"] = "scheduler-quality",
            ["components"] = new JsonObject
            {
                ["mixture"] = new JsonObject { ["type"] = CountedDenoiserId, ["options"] = _mixtureOptions.DeepClone() },
                ["scheduler"] = new JsonObject { ["type"] = schedulerId, ["options"] = schedulerOptions.DeepClone() },
            },
            ["steps"] = new JsonArray(new JsonObject
            {
                ["id"] = "latents",
                ["op"] = DiffuseOperator.OperatorName,
                ["with"] = new JsonObject { ["denoiser"] = "mixture", ["scheduler"] = "scheduler" },
                ["in"] = new JsonObject { ["steps"] = steps, ["seed"] = seed, ["count"] = count },
            }),
            ["outputs"] = new JsonObject { ["samples"] = "latents" },
        };

        // A fresh source name per run keeps the engine's step-output cache from answering a run the bench makes twice.
        var pipeline = _engine.Load(document.ToJsonString(), $"scheduler-quality-{++_runs}.json", baseDirectory: null);
        Counter.Reset();
        var result = await _engine.RunAsync(pipeline, new PipelineRunOptions { OutputDirectory = Path.GetTempPath() }).ConfigureAwait(false);
        return ((Tensor)result.Outputs["samples"], Counter.Calls);
    }

    public async ValueTask DisposeAsync()
    {
        await _engine.DisposeAsync().ConfigureAwait(false);
        await _services.DisposeAsync().ConfigureAwait(false);
    }
}
