namespace GenPipe.Bench.Pool;

/// <summary>Medians of the three ways to draw the same samples, in milliseconds, and how the two like ones differ.</summary>
/// <param name="Count">Samples per run.</param>
/// <param name="Steps">Denoising steps per run.</param>
/// <param name="Pairs">Pairs recorded (after two unrecorded).</param>
/// <param name="PipelineMs">PipelineEngine.RunAsync of gaussian-mixture.json cut to its diffuse step.</param>
/// <param name="HandMs">The hand loop on the same components.</param>
/// <param name="WholePipelineMs">The whole pipeline: diffuse, decode (a copy) and save (npy and png files).</param>
/// <param name="PairedDifferenceMs">Median of (pipeline − hand) over the pairs, each pair run back to back.</param>
/// <param name="PairedLowerQuartile">Lower quartile of (pipeline − hand) / hand over the pairs: the noise.</param>
/// <param name="PairedUpperQuartile">Upper quartile of the same.</param>
/// <param name="FixedCostPairs">Pairs of the one-sample, one-step runs.</param>
/// <param name="FixedCostUs">Median of (pipeline − hand) at one sample and one step, in microseconds: the engine's own cost per run.</param>
/// <param name="TinyHandUs">The hand loop's median at one sample and one step, in microseconds.</param>
internal sealed record OverheadResult(
    int Count,
    int Steps,
    int Pairs,
    double PipelineMs,
    double HandMs,
    double WholePipelineMs,
    double PairedDifferenceMs,
    double PairedLowerQuartile,
    double PairedUpperQuartile,
    int FixedCostPairs,
    double FixedCostUs,
    double TinyHandUs)
{
    /// <summary>Pipeline time over hand-loop time, minus one: the framework's share, as measured at full size.</summary>
    public double Overhead => (PipelineMs / HandMs) - 1;

    /// <summary>The engine's own cost per run as a share of the full-size hand loop.</summary>
    public double FixedCostShare => FixedCostUs / 1000 / HandMs;
}
