using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Testing.Tests;

/// <summary>
/// A fixed linear VAE-style encoder, [batch, 3] → GaussianLatent of [batch, 2]: mean = W x + b and
/// log-variance = -1 + tanh(u · x) / 2, each row from its own data row. Small enough to check by hand, so the encoder
/// conformance base has an honest component to pass.
/// </summary>
public sealed class LinearGaussianEncoder : IEncoder
{
    public const int DataDimension = 3;
    public const int LatentDimension = 2;

    private static readonly float[,] Weights = { { 0.5f, -1.0f, 0.25f }, { 2.0f, 0.0f, -0.75f } };
    private static readonly float[] Bias = [0.1f, -0.2f];
    private static readonly float[] VarianceDirection = [0.3f, -0.6f, 0.9f];

    public ValueTask<LatentEncoding> EncodeAsync(Tensor data, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        cancellationToken.ThrowIfCancellationRequested();
        if (data.Rank != 2 || data.Dim(1) != DataDimension)
        {
            throw new ArgumentException($"Expected [batch, {DataDimension}], got {Tensor.FormatShape(data.Shape)}.", nameof(data));
        }

        int batch = data.Dim(0);
        float[] x = data.View.ToArray();
        var mean = new float[batch * LatentDimension];
        var logVariance = new float[batch * LatentDimension];
        for (int n = 0; n < batch; n++)
        {
            float projection = 0;
            for (int d = 0; d < DataDimension; d++)
            {
                projection += VarianceDirection[d] * x[(n * DataDimension) + d];
            }

            for (int l = 0; l < LatentDimension; l++)
            {
                float sum = Bias[l];
                for (int d = 0; d < DataDimension; d++)
                {
                    sum += Weights[l, d] * x[(n * DataDimension) + d];
                }

                mean[(n * LatentDimension) + l] = sum;
                logVariance[(n * LatentDimension) + l] = -1f + (0.5f * MathF.Tanh(projection));
            }
        }

        return ValueTask.FromResult<LatentEncoding>(new GaussianLatent(new Tensor(mean, batch, LatentDimension), new Tensor(logVariance, batch, LatentDimension)));
    }
}

/// <summary>
/// A character-level text conditioner: a prompt becomes a beginning token and its first 7 characters, each embedded by
/// a fixed table plus a position term, padded to 8 tokens ([batch, 8, 4] embeddings, a [batch, 8] mask, and the masked
/// mean as the pooled vector). The unconditional conditioning is the empty prompt.
/// </summary>
public sealed class CharacterConditioner : IConditioner
{
    public const int Tokens = 8;
    public const int Features = 4;

    public ValueTask<Conditioning> EncodeAsync(ConditioningInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        cancellationToken.ThrowIfCancellationRequested();
        var prompts = input.Text ?? throw new ArgumentException("CharacterConditioner encodes text only.", nameof(input));
        return ValueTask.FromResult(Encode(prompts));
    }

    public ValueTask<Conditioning> EncodeUnconditionalAsync(int batchSize, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Encode(Enumerable.Repeat("", batchSize).ToList()));
    }

    /// <summary>The embedding of token id <paramref name="token"/> (0 is the beginning token, else 1 + the character code mod 127).</summary>
    public static float Table(int token, int feature) => MathF.Sin((token + 1) * (feature + 1) * 0.37f);

    private static Conditioning Encode(IReadOnlyList<string> prompts)
    {
        int batch = prompts.Count;
        var embeddings = new float[batch * Tokens * Features];
        var mask = new float[batch * Tokens];
        var pooled = new float[batch * Features];
        for (int n = 0; n < batch; n++)
        {
            int[] tokens = [0, .. prompts[n].Take(Tokens - 1).Select(c => 1 + (c % 127))];
            for (int t = 0; t < tokens.Length; t++)
            {
                mask[(n * Tokens) + t] = 1;
                for (int f = 0; f < Features; f++)
                {
                    float value = Table(tokens[t], f) + (0.01f * t);
                    embeddings[(((n * Tokens) + t) * Features) + f] = value;
                    pooled[(n * Features) + f] += value / tokens.Length;
                }
            }
        }

        return new Conditioning(new Tensor(embeddings, batch, Tokens, Features), new Tensor(pooled, batch, Features), new Tensor(mask, batch, Tokens));
    }
}
