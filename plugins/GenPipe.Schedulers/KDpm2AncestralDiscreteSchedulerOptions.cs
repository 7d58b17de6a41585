namespace GenPipe.Schedulers;

/// <summary>
/// Options of <see cref="KDpm2AncestralDiscreteScheduler"/>: the shared keys and the k-diffusion sigma schedules,
/// with diffusers' <c>KDPM2AncestralDiscreteScheduler</c> defaults.
/// </summary>
public sealed record KDpm2AncestralDiscreteSchedulerOptions : SigmaScheduleOptions;
