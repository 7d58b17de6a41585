using System.Text.Json.Nodes;
using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Schedulers.Tests;

[CoversScheduler("UniPCMultistepScheduler", "unipc", "unipc_bh1")]
public sealed class UniPcMultistepSchedulerTests : SchedulerSpecificationTests<UniPcMultistepSchedulerOptions>
{
    private readonly ITestOutputHelper _output;

    public UniPcMultistepSchedulerTests(ITestOutputHelper output)
        : base(output)
    {
        _output = output;
    }

    protected override IScheduler Create(UniPcMultistepSchedulerOptions options) => new UniPcMultistepScheduler(options);

    /// <summary>
    /// diffusers' bh1 ends in NaN (B(h) = -infinity times an empty correction of 0). The specification theory runs
    /// these files too (where the reference is NaN it requires a finite value); here the last step must moreover be the
    /// data prediction, the limit that bh2 reaches exactly.
    /// </summary>
    [Theory]
    [InlineData("unipc_bh1__sd15_leading__eps__10.json.gz")]
    [InlineData("unipc_bh1__sd15_leading__v__10.json.gz")]
    [InlineData("unipc_bh1__sd15_linspace__eps__10.json.gz")]
    [InlineData("unipc_bh1__sd15_trailing__eps__10.json.gz")]
    public void Bh1_matches_diffusers_and_ends_on_the_data_prediction_where_diffusers_returns_nan(string file)
    {
        var root = RefFile.Load(Path.Combine(AppContext.BaseDirectory, "Refs", file)).Root;
        var options = SchedulerConfigJson.Bind<UniPcMultistepSchedulerOptions>(root["config"]!.AsObject(), null);
        options.SolverType.ShouldBe("bh1");
        var session = new UniPcMultistepScheduler(options).SetTimesteps((int)root["num_inference_steps"]!);
        var shape = root["shape"]!.AsArray().Select(d => (int)d!).ToArray();
        var steps = root["steps"]!.AsArray();
        var report = new ErrorReport();
        var x = new Tensor(RefFile.Floats(root["x_T"], "x_T"), shape);
        SchedulerStepOutput? last = null;
        for (int i = 0; i < steps.Count; i++)
        {
            float t = session.Timesteps[i];
            last = session.Step(RefModel.Evaluate(session.ScaleModelInput(x, t), t), t, x);
            if (i < steps.Count - 1)
            {
                report.Compare($"x_out[{i}]", last.PrevSample.Span, RefFile.Floats(steps[i]!["x_out"], "x_out"));
            }
            else
            {
                (steps[i]!["x_out"]!.AsArray()[0]!.GetValue<string>()).ShouldBe("nan", "upstream's last bh1 step is NaN");
            }

            x = last.PrevSample;
        }

        _output.WriteLine($"{file}: max relative error before the last step {report.MaxError:0.###E+0}");
        report.Above(Tolerance).ShouldBeEmpty();
        x.Span.ToArray().ShouldAllBe(v => float.IsFinite(v));
        // Onto sigma 0 a first-order step returns the data prediction exactly, whatever B(h).
        x.Span.ToArray().ShouldBe(last!.PredOriginalSample!.Span.ToArray());
    }

    [Fact]
    public void Bh1_and_bh2_agree_on_a_final_step_onto_sigma_zero()
    {
        var sample = new Tensor([0.3f, -1.2f, 2f, 0.5f], 1, 1, 2, 2);
        var model = new Tensor([0.1f, 0.2f, -0.3f, 0.05f], 1, 1, 2, 2);
        float[] Last(string solverType)
        {
            var session = new UniPcMultistepScheduler(new UniPcMultistepSchedulerOptions { SolverType = solverType }).SetTimesteps(1);
            return session.Step(model, session.Timesteps[0], sample).PrevSample.Span.ToArray();
        }

        Last("bh1").ShouldBe(Last("bh2"));
        Last("bh1").ShouldAllBe(v => float.IsFinite(v));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void First_order_without_corrector_is_the_first_order_dpm_solver(bool predictX0)
    {
        // UniP-1 is DDIM / DPM-Solver-1 in either parameterisation; disabling every correction leaves only it.
        var sd15 = new UniPcMultistepSchedulerOptions { BetaSchedule = "scaled_linear", BetaStart = 0.00085, BetaEnd = 0.012 };
        var unipc = new UniPcMultistepScheduler(sd15 with
        {
            SolverOrder = 1, PredictX0 = predictX0, DisableCorrector = [.. Enumerable.Range(0, 8)],
        }).SetTimesteps(8);
        var dpm = new DpmSolverMultistepScheduler(new DpmSolverMultistepSchedulerOptions
        {
            BetaSchedule = "scaled_linear", BetaStart = 0.00085, BetaEnd = 0.012, SolverOrder = 1,
        }).SetTimesteps(8);
        var x = new Tensor([0.3f, -1.2f, 2f, 0.5f], 1, 1, 2, 2);
        var y = x;
        var report = new ErrorReport();
        for (int i = 0; i < 8; i++)
        {
            float t = unipc.Timesteps[i];
            x = unipc.Step(RefModel.Evaluate(x, t), t, x).PrevSample;
            y = dpm.Step(RefModel.Evaluate(y, t), t, y).PrevSample;
            report.Compare($"x[{i}]", x.Span, y.Span);
        }

        report.Above(1e-5).ShouldBeEmpty();
    }

    [Fact]
    public void The_corrector_changes_the_trajectory_unless_disabled()
    {
        var options = new UniPcMultistepSchedulerOptions();
        float[] Run(UniPcMultistepSchedulerOptions o)
        {
            var session = new UniPcMultistepScheduler(o).SetTimesteps(5);
            var x = Tensor.Full(1f, 1, 1, 2, 2);
            foreach (float t in session.Timesteps)
            {
                x = session.Step(RefModel.Evaluate(x, t), t, x).PrevSample;
            }

            return x.Span.ToArray();
        }

        Run(options with { DisableCorrector = [0, 1, 2, 3] }).ShouldNotBe(Run(options));
        Run(options with { DisableCorrector = [4] }).ShouldBe(Run(options)); // index 4's correction would follow the last step
    }
}
