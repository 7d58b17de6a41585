using GenPipe.Diffusion;
using GenPipe.Schedulers;
using Shouldly;

namespace GenPipe.Embedding.Tests;

/// <summary>
/// A denoiser and a scheduler that name the same training schedule must see the same alphas_cumprod to the last bit,
/// or the scheduler's steps and the denoiser's noise levels disagree. Both plugins compute it with TorchArithmetic.
/// </summary>
public sealed class TrainingScheduleAgreementTests
{
    [Theory]
    [InlineData("linear", 0.0001, 0.02)]
    [InlineData("scaled_linear", 0.00085, 0.012)]
    public void Mixture_denoiser_and_scheduler_share_alphas_cumprod(string schedule, double start, double end)
    {
        float[] denoiser = TrainingNoiseSchedule.AlphasCumprod(1000, start, end, schedule);
        var scheduler = new DdimScheduler(new DdimSchedulerOptions { BetaSchedule = schedule, BetaStart = start, BetaEnd = end });

        denoiser.ShouldBe(scheduler.AlphasCumprod.ToArray());
    }
}
