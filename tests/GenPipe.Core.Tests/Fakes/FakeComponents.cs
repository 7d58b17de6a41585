using GenPipe.Abstractions.Components;

namespace GenPipe.Core.Tests.Fakes;

public sealed class FakeDenoiserOptions : IValidatableOptions
{
    public double[][] Means { get; set; } = [[0, 0]];

    public double Scale { get; set; } = 1.0;

    public IEnumerable<OptionProblem> Validate()
    {
        for (int i = 1; i < Means.Length; i++)
        {
            if (Means[i].Length != Means[0].Length)
            {
                yield return new OptionProblem($"means[{i}]", $"every mean needs {Means[0].Length} coordinates, this one has {Means[i].Length}");
            }
        }
    }
}

public sealed class FakeSchedulerOptions
{
    public double Eta { get; set; }

    public double BetaStart { get; set; } = 0.0001;

    public int NumTrainTimesteps { get; set; } = 1000;

    public FakePrediction PredictionType { get; set; } = FakePrediction.Epsilon;
}

public sealed class FakeDenoiser(double scale) : IFakeDenoiser, IDisposable
{
    public double Scale { get; } = scale;

    public bool Disposed { get; private set; }

    public void Dispose() => Disposed = true;
}

public sealed class FakeScheduler(FakeSchedulerOptions options) : IFakeScheduler
{
    public FakeSchedulerOptions Options { get; } = options;

    public double Eta => Options.Eta;
}

public sealed class IdentityDecoder : IFakeDecoder
{
    public FakeImages Decode(FakeLatents latents) => new(latents.Value, latents.Count);
}

/// <summary>The fake component types, with counters of how many instances their factories made.</summary>
public sealed class FakeComponentTypes
{
    private int _denoisersCreated;
    private int _schedulersCreated;

    public int DenoisersCreated => _denoisersCreated;

    public int SchedulersCreated => _schedulersCreated;

    public List<FakeDenoiser> Denoisers { get; } = [];

    public List<string?> Sources { get; } = [];

    public IEnumerable<ComponentDescriptor> Descriptors()
    {
        yield return ComponentDescriptor.Create<IFakeDenoiser, FakeDenoiserOptions>("denoiser/fake", "fake denoiser", o =>
        {
            Interlocked.Increment(ref _denoisersCreated);
            var d = new FakeDenoiser(o.Scale);
            lock (Denoisers)
            {
                Denoisers.Add(d);
            }

            return d;
        });
        var strict = ComponentDescriptor.Create<IFakeScheduler, FakeSchedulerOptions>("scheduler/fake-ddim", "fake ddim", o =>
        {
            Interlocked.Increment(ref _schedulersCreated);
            return new FakeScheduler(o);
        });
        yield return strict;
        yield return new ComponentDescriptor
        {
            Id = "scheduler/fake-euler",
            ContractType = typeof(IFakeScheduler),
            OptionsType = typeof(FakeSchedulerOptions),
            IgnoresUnknownOptions = true,
            Factory = strict.Factory,
        };
        yield return new ComponentDescriptor
        {
            Id = "denoiser/fake-lenient",
            ContractType = typeof(IFakeDenoiser),
            OptionsType = typeof(FakeDenoiserOptions),
            IgnoresUnknownOptions = true,
            Factory = (ctx, _) => ValueTask.FromResult<object>(new FakeDenoiser(((FakeDenoiserOptions)ctx.Options).Scale)),
        };
        yield return new ComponentDescriptor
        {
            Id = "denoiser/weights",
            ContractType = typeof(IFakeDenoiser),
            RequiresSource = true,
            Factory = (ctx, _) =>
            {
                Sources.Add(ctx.SourcePath);
                return ValueTask.FromResult<object>(new FakeDenoiser(1));
            },
        };
        yield return new ComponentDescriptor
        {
            Id = "decoder/identity",
            Aliases = ["identity"],
            ContractType = typeof(IFakeDecoder),
            Factory = (_, _) => ValueTask.FromResult<object>(new IdentityDecoder()),
        };
    }
}
