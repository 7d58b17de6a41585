using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>Options of <see cref="TcdScheduler"/>; defaults are diffusers' <c>TCDScheduler</c> defaults.</summary>
public sealed record TcdSchedulerOptions : ConsistencySchedulerOptions
{
    /// <summary>
    /// <c>eta</c> (gamma in the TCD paper): the stochasticity of each step, in [0, 1]; 0 is deterministic. diffusers
    /// passes it to <c>step()</c> with a default of 0.3; it is configuration here.
    /// </summary>
    [Description("Eta (gamma in the TCD paper): the stochasticity of each step, in [0, 1]; 0 is deterministic. diffusers passes it to step() with a default of 0.3; it is configuration here.")]
    [Range(0.0, 1.0)]
    public double Eta { get; init; } = 0.3;

    /// <inheritdoc />
    public override IEnumerable<OptionProblem> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }

        if (!(Eta >= 0 && Eta <= 1))
        {
            yield return new OptionProblem("eta", $"must lie in [0, 1], got {Eta}.");
        }
    }
}
