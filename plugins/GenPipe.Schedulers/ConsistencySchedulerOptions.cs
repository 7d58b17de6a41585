using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>
/// The keys of the consistency-distilled samplers (LCM, TCD), with their diffusers defaults: Stable Diffusion's
/// schedule, no clipping, and the distillation's own timestep grid (<c>original_inference_steps</c>). Both ignore
/// <c>timestep_spacing</c> and <c>steps_offset</c>, as diffusers' do.
/// </summary>
public abstract record ConsistencySchedulerOptions : SampleClippingOptions
{
    /// <summary>Creates the options with diffusers' defaults.</summary>
    protected ConsistencySchedulerOptions()
    {
        BetaStart = 0.00085;
        BetaEnd = 0.012;
        BetaSchedule = "scaled_linear";
        ClipSample = false;
    }

    /// <summary>
    /// <c>original_inference_steps</c>: the size of the timestep grid the model was distilled on; inference
    /// timesteps are a subset of it, so a run has at most this many steps.
    /// </summary>
    [Description("The size of the timestep grid the model was distilled on; inference timesteps are a subset of it, so a run has at most this many steps.")]
    public int OriginalInferenceSteps { get; init; } = 50;

    /// <summary><c>set_alpha_to_one</c>: accepted for compatibility; these samplers never step past timestep 0.</summary>
    [Description("Accepted for compatibility; these samplers never step past timestep 0.")]
    public bool SetAlphaToOne { get; init; } = true;

    /// <summary><c>timestep_scaling</c>: the factor on t in the boundary-condition scalings c_skip and c_out.</summary>
    [Description("The factor on t in the boundary-condition scalings c_skip and c_out.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double TimestepScaling { get; init; } = 10.0;

    /// <inheritdoc />
    public override IEnumerable<OptionProblem> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (OriginalInferenceSteps < 1 || OriginalInferenceSteps > NumTrainTimesteps)
        {
            yield return new OptionProblem(
                "original_inference_steps", $"must lie in 1..{NumTrainTimesteps} (num_train_timesteps), got {OriginalInferenceSteps}.");
        }

        if (!(TimestepScaling > 0))
        {
            yield return new OptionProblem("timestep_scaling", $"must be positive, got {TimestepScaling}.");
        }
    }

    /// <summary>
    /// The inference timesteps: every (T / original_inference_steps)-th training step, counted from the end, thinned to
    /// <paramref name="steps"/> evenly spaced picks (Luo et al., 2023, "Latent Consistency Models", the skipping-step grid).
    /// </summary>
    internal float[] ConsistencyTimesteps(int steps)
    {
        int original = OriginalInferenceSteps;
        if (steps < 1 || steps > original)
        {
            throw new ArgumentOutOfRangeException(
                nameof(steps), steps,
                $"The number of inference steps must lie in 1..{original} (original_inference_steps): the timesteps are a subset of the distillation grid.");
        }

        int k = NumTrainTimesteps / original;
        double stride = (double)original / steps;
        var timesteps = new float[steps];
        for (int i = 0; i < steps; i++)
        {
            // Descending grid (original - j) * k - 1 at j = floor(i * original / steps).
            int j = (int)Math.Floor(i * stride);
            timesteps[i] = ((original - j) * k) - 1;
        }

        return timesteps;
    }
}
