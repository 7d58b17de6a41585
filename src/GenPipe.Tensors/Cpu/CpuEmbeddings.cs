using GenPipe.Tensors.Cpu.Kernels;

namespace GenPipe.Tensors.Cpu;

/// <summary>Token embedding lookup and sinusoidal timestep embeddings.</summary>
internal static class CpuEmbeddings
{
    public static void Lookup(TensorView table, ReadOnlySpan<int> ids, TensorView output)
    {
        ShapeChecks.Rank(table, 2, "Embedding", nameof(table));
        ShapeChecks.Rank(output, 2, "Embedding", nameof(output));
        int vocab = table.Dim(0), dim = table.Dim(1);
        if (output.Dim(0) != ids.Length || output.Dim(1) != dim)
        {
            throw new ArgumentException(
                $"Embedding: output is {output.Shape} but {ids.Length} ids of the table {table.Shape} need [{ids.Length}, {dim}].", nameof(output));
        }

        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)vocab)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(ids), ids[i], $"Embedding: id {ids[i]} (position {i}) is outside the vocabulary of {vocab} rows.");
            }
        }

        for (int i = 0; i < ids.Length; i++)
        {
            StridedCopy1D(table.Select(0, ids[i]), output.Select(0, i));
        }
    }

    /// <summary>
    /// diffusers' <c>get_timestep_embedding</c>, step for step in float32 as it computes: exponent
    /// <c>-ln(maxPeriod) * i / (half - shift)</c>, frequencies <c>exp(exponent)</c>, arguments <c>scale * t * freq</c>,
    /// then [sin, cos] ([cos, sin] when flipped) and a zero column for an odd dim.
    /// </summary>
    public static void Timesteps(ReadOnlySpan<float> timesteps, TensorView output, bool flipSinToCos, float downscaleFreqShift, float scale, float maxPeriod)
    {
        ShapeChecks.Rank(output, 2, "TimestepEmbedding", nameof(output));
        int dim = output.Dim(1);
        if (output.Dim(0) != timesteps.Length)
        {
            throw new ArgumentException(
                $"TimestepEmbedding: output is {output.Shape} but there are {timesteps.Length} timesteps.", nameof(output));
        }

        int half = dim / 2;
        if (half > 0 && half - downscaleFreqShift == 0)
        {
            throw new ArgumentException(
                $"TimestepEmbedding: dim {dim} with downscale_freq_shift {downscaleFreqShift} divides by zero.", nameof(downscaleFreqShift));
        }

        float logPeriod = -(float)Math.Log(maxPeriod);
        float divisor = half - downscaleFreqShift;
        int sinAt = flipSinToCos ? half : 0;
        int cosAt = flipSinToCos ? 0 : half;
        for (int t = 0; t < timesteps.Length; t++)
        {
            var row = output.Select(0, t);
            for (int i = 0; i < half; i++)
            {
                float exponent = logPeriod * i / divisor;
                float frequency = MathF.Exp(exponent);
                float argument = scale * (timesteps[t] * frequency);
                row[sinAt + i] = MathF.Sin(argument);
                row[cosAt + i] = MathF.Cos(argument);
            }

            if (dim % 2 == 1)
            {
                row[dim - 1] = 0f;
            }
        }
    }

    private static void StridedCopy1D(TensorView source, TensorView destination)
    {
        int n = source.Dim(0);
        if ((source.Stride(0) == 1 || n <= 1) && (destination.Stride(0) == 1 || n <= 1))
        {
            source.Storage.Span.Slice(source.Offset, n).CopyTo(destination.Storage.Span.Slice(destination.Offset, n));
            return;
        }

        for (int j = 0; j < n; j++)
        {
            destination[j] = source[j];
        }
    }
}
