using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Schedulers.Tests;

[CoversScheduler("DDIMScheduler", "ddim", "ddim_eta1")]
public sealed class DdimSchedulerTests(ITestOutputHelper output) : SchedulerSpecificationTests<DdimSchedulerOptions>(output)
{
    protected override IScheduler Create(DdimSchedulerOptions options) => new DdimScheduler(options);

    [Fact]
    public void Add_noise_matches_diffusers()
    {
        // DDPM's add_noise file: DDIM shares the variance-preserving forward process and the SD 1.5 schedule.
        var root = RefFile.Load(SchedulerReferenceFilesAttribute.Resolve("ddpm__sd15__add_noise.json.gz")).Root;
        var scheduler = new DdimScheduler(SchedulerConfigJson.Bind<DdimSchedulerOptions>(root["config"]!.AsObject(), null));
        var original = new Tensor(RefFile.Floats(root["original"], "original"), 1, 4, 8, 8);
        var noise = new Tensor(RefFile.Floats(root["noise"], "noise"), 1, 4, 8, 8);
        var report = new ErrorReport();
        foreach (var result in root["results"]!.AsArray())
        {
            float t = (float)result!["t"]!;
            report.Compare($"noisy[t={t}]", scheduler.AddNoise(original, noise, t).Span, RefFile.Floats(result["noisy"], "noisy"));
        }

        report.Above(Tolerance).ShouldBeEmpty();
    }

    [Fact]
    public void Stochastic_steps_require_a_random_source()
    {
        var scheduler = new DdimScheduler(new DdimSchedulerOptions { Eta = 1 });
        var session = scheduler.SetTimesteps(4);
        var x = Tensor.Full(0.5f, 1, 1, 2, 2);
        Should.Throw<ArgumentNullException>(() => session.Step(x, session.Timesteps[0], x));
    }

    [Fact]
    public void Eta_zero_with_the_sample_itself_predicted_lands_on_the_prediction()
    {
        // Closed form: predicting x_0 = 0.25 everywhere, the last step (alpha_prev = 1) returns exactly x_0.
        var scheduler = new DdimScheduler(new DdimSchedulerOptions { PredictionType = "sample", ClipSample = false });
        var session = scheduler.SetTimesteps(5);
        var x = Tensor.Full(2f, 1, 1, 2, 2);
        var prediction = Tensor.Full(0.25f, 1, 1, 2, 2);
        foreach (float t in session.Timesteps)
        {
            x = session.Step(prediction, t, x).PrevSample;
        }

        x.Span.ToArray().ShouldAllBe(v => Math.Abs(v - 0.25f) < 1e-6f);
    }

    [Fact]
    public void Clipped_model_output_moves_the_direction_term_with_the_clipped_prediction()
    {
        // x_t = 3, eps = 0 predicts x_0 = 3 / sqrt(a_t), clipped to 1. With use_clipped_model_output,
        // eps = (x_t - sqrt(a_t) * 1) / sqrt(1 - a_t) and x_prev = sqrt(a_prev) * 1 + sqrt(1 - a_prev) * eps.
        var options = new DdimSchedulerOptions { UseClippedModelOutput = true };
        var scheduler = new DdimScheduler(options);
        var session = scheduler.SetTimesteps(10);
        float t = session.Timesteps[0];
        double a = scheduler.AlphasCumprod[(int)t];
        double aPrev = scheduler.AlphasCumprod[(int)session.Timesteps[1]];
        double eps = (3 - Math.Sqrt(a)) / Math.Sqrt(1 - a);
        double expected = Math.Sqrt(aPrev) + (Math.Sqrt(1 - aPrev) * eps);

        var x = session.Step(Tensor.Zeros(1, 1, 1, 2), t, Tensor.Full(3f, 1, 1, 1, 2)).PrevSample;
        x[0, 0, 0, 0].ShouldBe((float)expected, 1e-5f);
        var plain = new DdimScheduler(options with { UseClippedModelOutput = false }).SetTimesteps(10)
            .Step(Tensor.Zeros(1, 1, 1, 2), t, Tensor.Full(3f, 1, 1, 1, 2)).PrevSample;
        plain[0, 0, 0, 0].ShouldBe((float)Math.Sqrt(aPrev), 1e-6f);
    }
}
