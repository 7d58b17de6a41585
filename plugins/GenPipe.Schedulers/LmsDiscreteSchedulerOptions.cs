using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>
/// Options of <see cref="LmsDiscreteScheduler"/>: the shared keys, the k-diffusion sigma schedules, and the order of
/// the multistep method (an argument of diffusers' <c>step()</c>, configuration here).
/// </summary>
public sealed record LmsDiscreteSchedulerOptions : SigmaScheduleOptions
{
    /// <summary>Options with diffusers' defaults for this class (linspace spacing).</summary>
    public LmsDiscreteSchedulerOptions()
    {
        TimestepSpacing = "linspace";
    }

    /// <summary><c>order</c>: how many past derivatives the linear multistep method combines (diffusers' default 4).</summary>
    [Description("How many past derivatives the linear multistep method combines (diffusers' default 4).")]
    [Range(1, 4)]
    public int Order { get; init; } = 4;

    /// <inheritdoc />
    public override IEnumerable<OptionProblem> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (Order is < 1 or > 4)
        {
            yield return new OptionProblem("order", $"must lie in 1..4, got {Order}.");
        }
    }
}
