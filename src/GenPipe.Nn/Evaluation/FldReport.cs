namespace GenPipe.Nn.Evaluation;

/// <summary>
/// The Fréchet distance of samples to held-out digits on the classifier's penultimate features, beside the floor:
/// the same distance for as many real training digits. The estimate is biased upwards for small sets, so only the
/// floor at the same count says what "as good as real data" reads.
/// </summary>
/// <param name="Samples">FLD of the samples against the held-out digits.</param>
/// <param name="Floor">FLD of <paramref name="FloorCount"/> training digits (drawn with <paramref name="FloorSeed"/>) against the same held-out digits.</param>
/// <param name="SampleCount">The number of samples.</param>
/// <param name="FloorCount">The number of training digits in the floor: the sample count, at most the training set.</param>
/// <param name="HeldOutCount">The number of held-out digits.</param>
/// <param name="FloorSeed">The seed of the floor's draw of training digits.</param>
public sealed record FldReport(double Samples, double Floor, int SampleCount, int FloorCount, int HeldOutCount, int FloorSeed)
{
    /// <summary><see cref="Samples"/> / <see cref="Floor"/>: 1 would be as close as real digits are.</summary>
    public double Ratio => Samples / Floor;
}
