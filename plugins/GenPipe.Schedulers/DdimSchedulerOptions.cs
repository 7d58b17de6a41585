using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>
/// Options of <see cref="DdimScheduler"/>: the shared keys, sample clipping, <c>set_alpha_to_one</c> and <c>eta</c>.
/// The defaults are diffusers' <c>DDIMScheduler</c> defaults (note <c>clip_sample</c> and <c>set_alpha_to_one</c>
/// default to true there; Stable Diffusion configs turn both off).
/// </summary>
public sealed record DdimSchedulerOptions : SampleClippingOptions
{
    /// <summary>
    /// <c>set_alpha_to_one</c>: after the last step, use alpha_cumprod = 1 (a clean sample) rather than the
    /// first training step's alpha_cumprod.
    /// </summary>
    [Description("After the last step, use alpha_cumprod = 1 (a clean sample) rather than the first training step's alpha_cumprod.")]
    public bool SetAlphaToOne { get; init; } = true;

    /// <summary>
    /// <c>eta</c>: the weight of the stochastic term, 0 for deterministic DDIM and 1 for DDPM's posterior variance.
    /// diffusers passes it to <c>step()</c>; here it is configuration.
    /// </summary>
    [Description("The weight of the stochastic term, 0 for deterministic DDIM and 1 for DDPM's posterior variance. diffusers passes it to step(); here it is configuration.")]
    [Range(0.0, 1.0)]
    public double Eta { get; init; }

    /// <summary>
    /// <c>use_clipped_model_output</c>: recompute eps from the clipped or thresholded x_0, so the direction term agrees
    /// with the clipped prediction. A <c>step()</c> argument in diffusers (GLIDE-style sampling); configuration here.
    /// </summary>
    [Description("Recompute eps from the clipped or thresholded x_0, so the direction term agrees with the clipped prediction. A step() argument in diffusers (GLIDE-style sampling); configuration here.")]
    public bool UseClippedModelOutput { get; init; }

    /// <inheritdoc />
    public override IEnumerable<OptionProblem> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (!(Eta >= 0))
        {
            yield return new OptionProblem("eta", $"must not be negative, got {Eta}.");
        }
    }
}
