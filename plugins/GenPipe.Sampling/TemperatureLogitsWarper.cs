using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Sampling;

/// <summary>
/// Divides every score by the temperature, as transformers' <c>TemperatureLogitsWarper</c> does: below 1 the
/// distribution sharpens, above 1 it flattens.
/// </summary>
public sealed class TemperatureLogitsWarper : ILogitsProcessor
{
    /// <summary>Creates the warper; <paramref name="temperature"/> must be strictly positive.</summary>
    public TemperatureLogitsWarper(double temperature)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be a strictly positive finite number; use greedy decoding for temperature 0.");
        }

        Temperature = temperature;
    }

    /// <summary>The divisor.</summary>
    public double Temperature { get; }

    /// <inheritdoc />
    public void Process(IReadOnlyList<IReadOnlyList<int>> inputIds, Tensor scores)
    {
        ScoreRows.Check(inputIds, scores);
        // PyTorch divides a float32 tensor by a Python float in float32.
        float divisor = (float)Temperature;
        Span<float> values = scores.Span;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] /= divisor;
        }
    }
}
