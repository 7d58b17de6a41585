using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using GenPipe.Abstractions.Components;

namespace GenPipe.Schedulers;

/// <summary>
/// Options of <see cref="FlowMatchEulerDiscreteScheduler"/>, keyed and defaulted as diffusers'
/// <c>FlowMatchEulerDiscreteScheduler</c> config, plus <c>mu</c> and <c>image_seq_len</c> (arguments of
/// diffusers' <c>set_timesteps</c> and pipelines, configuration here) for dynamic shifting.
/// </summary>
public sealed record FlowMatchEulerDiscreteSchedulerOptions : IValidatableOptions
{
    /// <summary>The values of <c>time_shift_type</c>.</summary>
    public static readonly IReadOnlyList<string> TimeShiftTypes = ["exponential", "linear"];

    /// <summary><c>num_train_timesteps</c>: timesteps are sigma * num_train_timesteps.</summary>
    [Description("Timesteps are sigma * num_train_timesteps.")]
    [Range(1, 1_000_000)]
    public int NumTrainTimesteps { get; init; } = 1000;

    /// <summary><c>shift</c>: the static shift s, sigma' = s sigma / (1 + (s - 1) sigma) (SD3 uses 3).</summary>
    [Description("The static shift s, sigma' = s sigma / (1 + (s - 1) sigma) (SD3 uses 3).")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double Shift { get; init; } = 1.0;

    /// <summary><c>use_dynamic_shifting</c>: shift by the image size instead, sigma' = e^mu / (e^mu + (1/sigma - 1)).</summary>
    [Description("Shift by the image size instead, sigma' = e^mu / (e^mu + (1/sigma - 1)).")]
    public bool UseDynamicShifting { get; init; }

    /// <summary><c>base_shift</c>: mu for <see cref="BaseImageSeqLen"/> tokens.</summary>
    [Description("Mu for BaseImageSeqLen tokens.")]
    public double BaseShift { get; init; } = 0.5;

    /// <summary><c>max_shift</c>: mu for <see cref="MaxImageSeqLen"/> tokens.</summary>
    [Description("Mu for MaxImageSeqLen tokens.")]
    public double MaxShift { get; init; } = 1.15;

    /// <summary><c>base_image_seq_len</c>: the token count that gets <see cref="BaseShift"/>.</summary>
    [Description("The token count that gets BaseShift.")]
    public int BaseImageSeqLen { get; init; } = 256;

    /// <summary><c>max_image_seq_len</c>: the token count that gets <see cref="MaxShift"/>.</summary>
    [Description("The token count that gets MaxShift.")]
    public int MaxImageSeqLen { get; init; } = 4096;

    /// <summary>
    /// <c>mu</c>: the dynamic shift itself (diffusers passes it to <c>set_timesteps</c>); when null, it is
    /// interpolated linearly from <see cref="ImageSeqLen"/> between the base and max shifts, as Flux's pipeline does.
    /// </summary>
    [Description("The dynamic shift itself (diffusers passes it to set_timesteps); when null, it is interpolated linearly from ImageSeqLen between the base and max shifts, as Flux's pipeline does.")]
    public double? Mu { get; init; }

    /// <summary><c>image_seq_len</c>: the number of latent tokens, from which mu is computed when not given.</summary>
    [Description("The number of latent tokens, from which mu is computed when not given.")]
    public int? ImageSeqLen { get; init; }

    /// <summary><c>invert_sigmas</c>: run with 1 - sigma (ending at sigma = 1).</summary>
    [Description("Run with 1 - sigma (ending at sigma = 1).")]
    public bool InvertSigmas { get; init; }

    /// <summary><c>shift_terminal</c>: stretch the shifted schedule so it ends at this sigma; null keeps it.</summary>
    [Description("Stretch the shifted schedule so it ends at this sigma; null keeps it.")]
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double? ShiftTerminal { get; init; }

    /// <summary><c>use_karras_sigmas</c>: respace the shifted sigmas as Karras et al. (2022), rho = 7.</summary>
    [Description("Respace the shifted sigmas as Karras et al. (2022), rho = 7.")]
    public bool UseKarrasSigmas { get; init; }

    /// <summary><c>use_exponential_sigmas</c>: respace the shifted sigmas evenly in log space.</summary>
    [Description("Respace the shifted sigmas evenly in log space.")]
    public bool UseExponentialSigmas { get; init; }

    /// <summary><c>use_beta_sigmas</c>: the beta-distribution schedule; not implemented yet, so it must stay false.</summary>
    [Description("The beta-distribution schedule; not implemented yet, so it must stay false.")]
    public bool UseBetaSigmas { get; init; }

    /// <summary><c>time_shift_type</c>: <c>exponential</c> (e^mu) or <c>linear</c> (mu) in the dynamic shift.</summary>
    [Description("Exponential (e^mu) or linear (mu) in the dynamic shift.")]
    public string TimeShiftType { get; init; } = "exponential";

    /// <summary><c>stochastic_sampling</c>: re-noise each step's x_0 estimate with fresh noise instead of an Euler step.</summary>
    [Description("Re-noise each step's x_0 estimate with fresh noise instead of an Euler step.")]
    public bool StochasticSampling { get; init; }

    /// <summary>The mu of dynamic shifting: <see cref="Mu"/>, or the linear function of <see cref="ImageSeqLen"/>.</summary>
    public double? ResolvedMu()
    {
        if (Mu is { } mu)
        {
            return mu;
        }

        if (ImageSeqLen is not { } tokens)
        {
            return null;
        }

        double slope = (MaxShift - BaseShift) / (MaxImageSeqLen - BaseImageSeqLen);
        double intercept = BaseShift - (slope * BaseImageSeqLen);
        return (tokens * slope) + intercept;
    }

    /// <inheritdoc />
    public IEnumerable<OptionProblem> Validate()
    {
        if (NumTrainTimesteps < 1)
        {
            yield return new OptionProblem("num_train_timesteps", $"must be at least 1, got {NumTrainTimesteps}.");
        }

        if (!(Shift > 0))
        {
            yield return new OptionProblem("shift", $"must be positive, got {Shift}.");
        }

        if (UseDynamicShifting && Mu is null && ImageSeqLen is null)
        {
            yield return new OptionProblem("mu", "is needed with use_dynamic_shifting: set mu, or image_seq_len to derive it from base_shift/max_shift.");
        }

        if (ImageSeqLen is { } tokens && (tokens <= 0 || BaseImageSeqLen == MaxImageSeqLen))
        {
            yield return new OptionProblem(
                "image_seq_len",
                $"needs a positive token count and base_image_seq_len != max_image_seq_len, got {tokens}, {BaseImageSeqLen}, {MaxImageSeqLen}.");
        }

        if (ShiftTerminal is { } terminal && !(terminal >= 0 && terminal < 1))
        {
            yield return new OptionProblem("shift_terminal", $"must lie in [0, 1), got {terminal}.");
        }

        if (!TimeShiftTypes.Contains(TimeShiftType))
        {
            yield return new OptionProblem("time_shift_type", $"'{TimeShiftType}' is not supported; use one of: \"exponential\", \"linear\".");
        }

        if (UseBetaSigmas)
        {
            yield return new OptionProblem("use_beta_sigmas", "is not implemented yet; set it to false (or use use_karras_sigmas).");
        }

        if (UseKarrasSigmas && UseExponentialSigmas)
        {
            yield return new OptionProblem("use_exponential_sigmas", "cannot be combined with use_karras_sigmas; set one of them to false.");
        }
    }

    /// <summary>Throws when <see cref="Validate"/> finds problems, listing them all.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public void ThrowIfInvalid()
    {
        var problems = Validate().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(
                $"Invalid {nameof(FlowMatchEulerDiscreteSchedulerOptions)}: " + string.Join(" ", problems.Select(p => $"'{p.Key}' {p.Message}")));
        }
    }
}
