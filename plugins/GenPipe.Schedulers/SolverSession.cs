namespace GenPipe.Schedulers;

/// <summary>
/// A run of an exponential-integrator solver (DPM-Solver++, DEIS, UniPC) over its <see cref="SolverSchedule"/>: the
/// model sees x_t unscaled, and the step counter follows diffusers' step index.
/// </summary>
internal abstract class SolverSession(SolverSchedule schedule) : SchedulerSession
{
    /// <inheritdoc />
    public override IReadOnlyList<float> Timesteps => Schedule.Timesteps;

    /// <inheritdoc />
    public override IReadOnlyList<float>? Sigmas => Schedule.Sigmas;

    /// <summary>The run's timesteps and sigmas.</summary>
    protected SolverSchedule Schedule { get; } = schedule;

    /// <summary>Where the run stands.</summary>
    protected StepCounter Counter { get; } = new(schedule.Timesteps);
}
