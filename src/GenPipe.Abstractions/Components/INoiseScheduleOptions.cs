namespace GenPipe.Abstractions.Components;

/// <summary>
/// Options of a diffusion component (a denoiser or a scheduler) that say, before the component is created, which
/// training noise schedule they assume. The <c>diffuse</c> operator compares the denoiser's with the scheduler's at
/// compile time and warns when they differ, and refuses more inference steps than the scheduler's training steps.
/// </summary>
public interface INoiseScheduleOptions
{
    /// <summary>The training noise schedule, or null when it cannot be described this way (e.g. explicit betas).</summary>
    NoiseScheduleSpec? NoiseSchedule { get; }
}

/// <summary>A training noise schedule as diffusers configures it.</summary>
/// <param name="NumTrainTimesteps"><c>num_train_timesteps</c>.</param>
/// <param name="BetaSchedule"><c>beta_schedule</c>, e.g. <c>linear</c> or <c>scaled_linear</c>.</param>
/// <param name="BetaStart"><c>beta_start</c>.</param>
/// <param name="BetaEnd"><c>beta_end</c>.</param>
/// <param name="RescaledToZeroSnr"><c>rescale_betas_zero_snr</c>.</param>
public sealed record NoiseScheduleSpec(int NumTrainTimesteps, string BetaSchedule, double BetaStart, double BetaEnd, bool RescaledToZeroSnr = false)
{
    /// <summary>The keys and values, as a pipeline writes them.</summary>
    public override string ToString() =>
        FormattableString.Invariant($"num_train_timesteps={NumTrainTimesteps}, beta_schedule={BetaSchedule}, beta_start={BetaStart}, beta_end={BetaEnd}") +
        (RescaledToZeroSnr ? ", rescale_betas_zero_snr=true" : "");
}

/// <summary>Options of a denoiser that give, before it is created, the shape of one sample (without the batch dimension).</summary>
public interface ISampleShapeOptions
{
    /// <summary>The shape of one sample, or null when it is known only once the model is loaded.</summary>
    IReadOnlyList<int>? SampleShape { get; }
}
