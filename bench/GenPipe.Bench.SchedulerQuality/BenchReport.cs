namespace GenPipe.Bench.SchedulerQuality;

/// <summary>A whole bench run.</summary>
internal sealed record BenchReport(
    BenchOptions Options,
    string PipelineName,
    NoiseFloor Floor,
    IReadOnlyList<SpacingSection> Sections,
    TimeSpan Elapsed);
