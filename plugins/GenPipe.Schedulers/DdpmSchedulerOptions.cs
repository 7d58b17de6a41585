using System.ComponentModel;
using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>
/// Options of <see cref="DdpmScheduler"/>: the shared keys, sample clipping and <c>variance_type</c>. The defaults are
/// diffusers' <c>DDPMScheduler</c> defaults.
/// </summary>
public sealed record DdpmSchedulerOptions : SampleClippingOptions
{
    /// <summary>The variance types implemented here (<c>variance_type</c>).</summary>
    public static readonly IReadOnlyList<string> VarianceTypes = ["fixed_small", "fixed_small_log", "fixed_large"];

    /// <summary>
    /// <c>variance_type</c>: the reverse-step variance. <c>fixed_small</c> is the posterior variance beta-tilde,
    /// <c>fixed_large</c> is beta (Ho et al., 2020, section 3.2); <c>fixed_small_log</c> is beta-tilde through its log.
    /// Not implemented: the learned variances (<c>learned</c>, <c>learned_range</c>) and <c>fixed_large_log</c>
    /// (upstream takes the square root of a log there, which gives NaN).
    /// </summary>
    [Description("The reverse-step variance. fixed_small is the posterior variance beta-tilde, fixed_large is beta (Ho et al., 2020, section 3.2); fixed_small_log is beta-tilde through its log. Not implemented: the learned variances (learned, learned_range) and fixed_large_log (upstream takes the square root of a log there, which gives NaN).")]
    public string VarianceType { get; init; } = "fixed_small";

    /// <inheritdoc />
    public override IEnumerable<OptionProblem> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (!VarianceTypes.Contains(VarianceType))
        {
            yield return OneOf("variance_type", VarianceType, VarianceTypes);
        }
    }
}
