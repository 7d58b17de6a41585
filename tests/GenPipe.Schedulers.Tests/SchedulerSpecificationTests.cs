using System.Text.Json.Nodes;
using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Schedulers.Tests;

/// <summary>
/// What every scheduler must do, checked against diffusers' own numbers. A scheduler's test class inherits this,
/// declares the diffusers class and file prefixes it covers with <see cref="CoversSchedulerAttribute"/>, and says how
/// to build the scheduler from options; every matching reference file then runs as one theory case. Stochastic
/// trajectories run twice: replaying the recorded noise, and drawing it from <c>new TorchGenerator(1234)</c>, the
/// generator diffusers was given, which must yield the same tensors in the same order.
/// </summary>
public abstract class SchedulerSpecificationTests<TOptions>(ITestOutputHelper output)
    where TOptions : class, IValidatableOptions, new()
{
    /// <summary>The bound on max |ours - diffusers| / max |diffusers| for every quantity of a trajectory.</summary>
    public const double Tolerance = 1e-5;

    /// <summary>The seed of the generator diffusers passed to <c>step()</c> in the reference trajectories.</summary>
    public const long ReferenceNoiseSeed = 1234;

    /// <summary>Creates the scheduler under test.</summary>
    protected abstract IScheduler Create(TOptions options);

    /// <summary>The prediction type of the default options.</summary>
    protected virtual PredictionType DefaultPredictionType => PredictionType.Epsilon;

    /// <summary>The largest timestep a run may have: the last training step (flow matching counts up to 1000).</summary>
    protected virtual float MaxTimestep => 999;

    /// <summary>How many timesteps a run of <paramref name="steps"/> steps has (Heun-style and PNDM runs have more).</summary>
    protected virtual int TimestepCount(int steps) => steps;

    /// <summary>
    /// The timesteps of a run that must descend strictly, one per step: all of them unless a scheduler interleaves
    /// intermediate or repeated evaluations.
    /// </summary>
    protected virtual IEnumerable<float> PrincipalTimesteps(IReadOnlyList<float> timesteps) => timesteps;

    /// <summary>The most steps a run may have (consistency models stop at <c>original_inference_steps</c>).</summary>
    protected virtual int MaxSteps(TOptions options) => 1000;

    /// <summary>
    /// False where diffusers itself repeats a timestep for this many steps (the singlestep solver rounds 1001 points
    /// onto 1000 whole steps); the timesteps must then only not increase.
    /// </summary>
    protected virtual bool DescendsStrictly(int steps) => true;

    /// <summary>Options with another spacing; options without <c>timestep_spacing</c> come back unchanged.</summary>
    protected virtual TOptions WithSpacing(TOptions options, string spacing) =>
        options is SchedulerOptions shared ? (TOptions)(object)(shared with { TimestepSpacing = spacing, StepsOffset = 1 }) : options;

    /// <summary>Options with Stable Diffusion's noise schedule; options without betas come back unchanged.</summary>
    protected virtual TOptions WithStableDiffusionBetas(TOptions options) =>
        options is SchedulerOptions shared
            ? (TOptions)(object)(shared with { BetaSchedule = "scaled_linear", BetaStart = 0.00085, BetaEnd = 0.012 })
            : options;

    [Theory]
    [SchedulerReferenceFiles]
    public void Reproduces_the_diffusers_trajectory(string file)
    {
        if (file == SchedulerReferenceFilesAttribute.NoReferences)
        {
            output.WriteLine($"{GetType().Name}: no diffusers references (see its own tests).");
            return;
        }

        var reference = RefFile.Load(SchedulerReferenceFilesAttribute.Resolve(file));
        var root = reference.Root;
        var options = SchedulerConfigJson.Bind<TOptions>(
            RefFile.Required(root, "config").AsObject(), root["step_kwargs"] as JsonObject);
        var scheduler = Create(options);
        var report = new ErrorReport();
        if (root["results"] is JsonArray addNoiseResults)
        {
            // An add_noise file: the forward process at a few training timesteps, no run.
            CheckAddNoise(scheduler, root, addNoiseResults, report);
            output.WriteLine($"{reference.Name}: max relative error {report.MaxError:0.###E+0} ({report.Summary()})");
            report.Above(Tolerance).ShouldBeEmpty($"{reference.Name}: relative errors above {Tolerance}");
            return;
        }

        var steps = RefFile.Required(root, "steps").AsArray();
        float[][] recorded = [.. steps.SelectMany(s => (s?["noise"] as JsonArray ?? []).Select(n => RefFile.Floats(n, "noise")))];
        var replay = new ReplayingRandomSource(recorded);
        CheckTrajectory(scheduler, root, replay, report, "");
        replay.Remaining.ShouldBe(0, "the scheduler must draw exactly the noise diffusers drew");
        if (recorded.Length > 0)
        {
            // The same run with the generator itself: the draws must be diffusers' (same order, same shapes).
            var generator = new RecordingRandomSource(new TorchGenerator(ReferenceNoiseSeed));
            CheckTrajectory(Create(options), root, generator, report, "torch:");
            generator.Draws.Count.ShouldBe(recorded.Length, "the scheduler must draw as many tensors as diffusers did");
            for (int i = 0; i < recorded.Length; i++)
            {
                report.Compare($"torch:noise[{i}]", generator.Draws[i], recorded[i]);
            }
        }

        output.WriteLine($"{reference.Name}: max relative error {report.MaxError:0.###E+0} ({report.Summary()})");
        report.Above(Tolerance).ShouldBeEmpty($"{reference.Name}: relative errors above {Tolerance}");
    }

    // Runs the file's trajectory with the given noise and records every quantity's error under the prefix.
    private static void CheckTrajectory(IScheduler scheduler, JsonObject root, IRandomSource random, ErrorReport report, string prefix)
    {
        if (root["alphas_cumprod"] is JsonArray alphas)
        {
            report.Compare($"{prefix}alphas_cumprod", scheduler.AlphasCumprod, RefFile.Floats(alphas, "alphas_cumprod"));
        }
        else
        {
            scheduler.AlphasCumprod.Length.ShouldBe(0, "diffusers has no alphas_cumprod for this scheduler");
        }

        var session = scheduler.SetTimesteps((int)RefFile.Required(root, "num_inference_steps"));
        report.Compare($"{prefix}timesteps", [.. session.Timesteps], RefFile.Floats(root["timesteps"], "timesteps"));
        if (root["sigmas"] is JsonArray { Count: > 0 } sigmas)
        {
            session.Sigmas.ShouldNotBeNull("diffusers has sigmas for this scheduler");
            report.Compare($"{prefix}sigmas", [.. session.Sigmas], RefFile.Floats(sigmas, "sigmas"));
        }
        else
        {
            session.Sigmas.ShouldBeNull("diffusers has no sigmas for this scheduler");
        }

        report.Compare($"{prefix}init_noise_sigma", session.InitNoiseSigma, (float)RefFile.Required(root, "init_noise_sigma"));
        session.Order.ShouldBe((int)RefFile.Required(root, "order"));

        var shape = RefFile.Required(root, "shape").AsArray().Select(d => (int)d!).ToArray();
        var steps = RefFile.Required(root, "steps").AsArray();
        session.Timesteps.Count.ShouldBe(steps.Count);

        var x = new Tensor(RefFile.Floats(root["x_T"], "x_T"), shape).Multiply(session.InitNoiseSigma);
        report.Compare($"{prefix}x_init", x.Span, RefFile.Floats(root["x_init"], "x_init"));
        for (int i = 0; i < steps.Count; i++)
        {
            var step = steps[i]!;
            float t = session.Timesteps[i];
            var modelInput = session.ScaleModelInput(x, t);
            report.Compare($"{prefix}x_in[{i}]", modelInput.Span, RefFile.Floats(step["x_in"], "x_in"));
            var result = session.Step(RefModel.Evaluate(modelInput, t), t, x, random);
            report.Compare($"{prefix}x_out[{i}]", result.PrevSample.Span, RefFile.Floats(step["x_out"], "x_out"));
            if (step["pred_original_sample"] is JsonArray original)
            {
                result.PredOriginalSample.ShouldNotBeNull($"step {i}: diffusers returns pred_original_sample");
                report.Compare($"{prefix}pred_original_sample[{i}]", result.PredOriginalSample.Span, RefFile.Floats(original, "pred_original_sample"));
            }

            x = result.PrevSample;
        }

        report.Compare($"{prefix}x_final", x.Span, RefFile.Floats(root["x_final"], "x_final"));
    }

    private static void CheckAddNoise(IScheduler scheduler, JsonNode root, JsonArray results, ErrorReport report)
    {
        report.Compare("alphas_cumprod", scheduler.AlphasCumprod, RefFile.Floats(root["alphas_cumprod"], "alphas_cumprod"));
        float[] originalValues = RefFile.Floats(root["original"], "original");
        // The shape does not change an elementwise forward process; the file's layout note gives [1, 4, 8, 8].
        var original = new Tensor(originalValues, originalValues.Length);
        var noise = new Tensor(RefFile.Floats(root["noise"], "noise"), originalValues.Length);
        foreach (var result in results)
        {
            float t = (float)RefFile.Required(result, "t");
            report.Compare($"noisy[t={t}]", scheduler.AddNoise(original, noise, t).Span, RefFile.Floats(result!["noisy"], "noisy"));
        }
    }

    [Fact]
    public void Default_options_are_valid_and_create_a_scheduler()
    {
        var options = new TOptions();
        options.Validate().ShouldBeEmpty();
        var scheduler = Create(options);
        scheduler.AlphasCumprod.Length.ShouldBe(options is SchedulerOptions shared ? shared.NumTrainTimesteps : 0);
        scheduler.PredictionType.ShouldBe(DefaultPredictionType);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(1001)]
    public void Rejects_step_counts_outside_the_training_schedule(int steps)
    {
        var scheduler = Create(new TOptions());
        Should.Throw<ArgumentOutOfRangeException>(() => scheduler.SetTimesteps(steps));
    }

    [Theory]
    [InlineData("leading", 1)]
    [InlineData("leading", 50)]
    [InlineData("trailing", 25)]
    [InlineData("linspace", 7)]
    [InlineData("trailing", 1000)]
    public void Timesteps_descend_within_the_training_range(string spacing, int steps)
    {
        var options = WithSpacing(new TOptions(), spacing);
        var scheduler = Create(options);
        if (steps > MaxSteps(options))
        {
            Should.Throw<ArgumentOutOfRangeException>(() => scheduler.SetTimesteps(steps));
            return;
        }

        var all = scheduler.SetTimesteps(steps).Timesteps;
        all.Count.ShouldBe(TimestepCount(steps));
        all.ShouldAllBe(t => t >= 0 && t <= MaxTimestep);
        var timesteps = PrincipalTimesteps(all).ToList();
        timesteps.Count.ShouldBe(steps);
        for (int i = 1; i < timesteps.Count; i++)
        {
            if (DescendsStrictly(steps))
            {
                timesteps[i].ShouldBeLessThan(timesteps[i - 1]);
            }
            else
            {
                timesteps[i].ShouldBeLessThanOrEqualTo(timesteps[i - 1]);
            }
        }
    }

    [Fact]
    public void Runs_of_one_scheduler_do_not_share_state()
    {
        var scheduler = Create(WithStableDiffusionBetas(new TOptions()));
        var alone = Run(scheduler.SetTimesteps(6), interleaved: null);
        var interleaved = Run(scheduler.SetTimesteps(6), interleaved: scheduler.SetTimesteps(4));
        interleaved.Span.ToArray().ShouldBe(alone.Span.ToArray());
    }

    [Fact]
    public void The_diffusers_class_name_maps_to_this_scheduler()
    {
        string className = GetType().GetCustomAttributes(typeof(CoversSchedulerAttribute), false)
            .Cast<CoversSchedulerAttribute>().Single().SchedulerClass;
        DiffusersSchedulerNames.ToComponentId(className).ShouldBe(Create(new TOptions()).Id);
    }

    // Runs a trajectory from fixed noise; when another run is given, steps it in between to expose shared state.
    private static Tensor Run(ISchedulerSession session, ISchedulerSession? interleaved)
    {
        var x = Tensor.Full(1.5f, 1, 2, 2, 2).Multiply(session.InitNoiseSigma);
        var other = Tensor.Full(-0.5f, 1, 2, 2, 2).Multiply(interleaved?.InitNoiseSigma ?? 1);
        var random = new PatternRandomSource();
        var otherRandom = new PatternRandomSource();
        for (int i = 0; i < session.Timesteps.Count; i++)
        {
            float t = session.Timesteps[i];
            x = session.Step(RefModel.Evaluate(session.ScaleModelInput(x, t), t), t, x, random).PrevSample;
            if (interleaved is not null && i < interleaved.Timesteps.Count)
            {
                float u = interleaved.Timesteps[i];
                other = interleaved.Step(RefModel.Evaluate(interleaved.ScaleModelInput(other, u), u), u, other, otherRandom).PrevSample;
            }
        }

        return x;
    }
}
