using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Schedulers.Tests;

[CoversScheduler("LCMScheduler", "lcm")]
public sealed class LcmSchedulerTests(ITestOutputHelper output) : SchedulerSpecificationTests<LcmSchedulerOptions>(output)
{
    protected override IScheduler Create(LcmSchedulerOptions options) => new LcmScheduler(options);

    protected override int MaxSteps(LcmSchedulerOptions options) => options.OriginalInferenceSteps;

    /// <summary>diffusers records LCM's second output as <c>denoised</c>; GenPipe returns it as the predicted original.</summary>
    [Theory]
    [InlineData("lcm__sd15_leading__eps__10.json.gz")]
    [InlineData("lcm__sd15_leading__v__10.json.gz")]
    public void Returns_diffusers_denoised_as_the_predicted_original(string file)
    {
        var root = RefFile.Load(SchedulerReferenceFilesAttribute.Resolve(file)).Root;
        var session = Create(SchedulerConfigJson.Bind<LcmSchedulerOptions>(root["config"]!.AsObject(), null)).SetTimesteps(10);
        var shape = root["shape"]!.AsArray().Select(d => (int)d!).ToArray();
        var steps = root["steps"]!.AsArray();
        var report = new ErrorReport();
        for (int i = 0; i < steps.Count; i++)
        {
            var step = steps[i]!;
            var x = new Tensor(RefFile.Floats(step["x_in"], "x_in"), shape);
            var noise = new ReplayingRandomSource([.. (step["noise"]?.AsArray() ?? []).Select(n => RefFile.Floats(n, "noise"))]);
            float t = session.Timesteps[i];
            var result = session.Step(RefModel.Evaluate(x, t), t, x, noise);
            report.Compare($"denoised[{i}]", result.PredOriginalSample!.Span, RefFile.Floats(step["denoised"], "denoised"));
        }

        report.Above(Tolerance).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(1, new float[] { 999 })]
    [InlineData(4, new float[] { 999, 759, 499, 259 })]
    [InlineData(50, null)]
    public void Timesteps_are_picks_from_the_distillation_grid(int steps, float[]? expected)
    {
        var timesteps = new LcmScheduler(new LcmSchedulerOptions()).SetTimesteps(steps).Timesteps;
        if (expected is not null)
        {
            timesteps.ShouldBe(expected);
        }

        timesteps.Count.ShouldBe(steps);
        timesteps.ShouldAllBe(t => (t + 1) % 20 == 0);
    }

    [Fact]
    public void Rejects_more_steps_than_the_distillation_grid_has()
    {
        var scheduler = new LcmScheduler(new LcmSchedulerOptions());
        Should.Throw<ArgumentOutOfRangeException>(() => scheduler.SetTimesteps(51)).Message.ShouldContain("original_inference_steps");
    }
}
