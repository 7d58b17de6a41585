namespace GenPipe.Bench.SchedulerQuality;

/// <summary>The noise floor: SW2 between independent exact sample sets of the bench's size.</summary>
/// <param name="Mean">The mean over the floor sets (what a perfect sampler scores on average).</param>
/// <param name="Min">The smallest of them.</param>
/// <param name="Max">The largest of them.</param>
internal sealed record NoiseFloor(double Mean, double Min, double Max);
