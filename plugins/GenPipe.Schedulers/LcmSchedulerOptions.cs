namespace GenPipe.Schedulers;

/// <summary>Options of <see cref="LcmScheduler"/>; defaults are diffusers' <c>LCMScheduler</c> defaults.</summary>
public sealed record LcmSchedulerOptions : ConsistencySchedulerOptions;
