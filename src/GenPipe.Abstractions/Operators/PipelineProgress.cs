namespace GenPipe.Abstractions.Operators;

/// <summary>What happened in a pipeline run.</summary>
public enum PipelineProgressKind
{
    /// <summary>A step started.</summary>
    StepStarted,

    /// <summary>A step reported an iteration (e.g. a denoising step).</summary>
    Iteration,

    /// <summary>A step finished.</summary>
    StepCompleted,

    /// <summary>A step was skipped because its inputs were unchanged since the last run; its cached output was used.</summary>
    StepCached,

    /// <summary>A step streamed a piece of its output (<see cref="PipelineProgress.Output"/>), such as a generated token.</summary>
    Output,
}

/// <summary>A progress event of a pipeline run.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="StepId">The step it happened in.</param>
/// <param name="StepIndex">The step's position in execution order (0-based).</param>
/// <param name="StepCount">How many steps the run has.</param>
/// <param name="Iteration">For <see cref="PipelineProgressKind.Iteration"/>: the iteration just finished (1-based).</param>
/// <param name="IterationCount">For <see cref="PipelineProgressKind.Iteration"/>: how many there are.</param>
/// <param name="Elapsed">Time since the step started.</param>
public sealed record PipelineProgress(
    PipelineProgressKind Kind,
    string StepId,
    int StepIndex,
    int StepCount,
    int Iteration,
    int IterationCount,
    TimeSpan Elapsed)
{
    /// <summary>For <see cref="PipelineProgressKind.Output"/>: what the step streamed (e.g. a <c>GeneratedToken</c>).</summary>
    public object? Output { get; init; }
}
