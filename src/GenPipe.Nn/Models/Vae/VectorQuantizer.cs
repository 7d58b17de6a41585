using GenPipe.Nn.Embeddings;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Models.Vae;

/// <summary>
/// The inference half of diffusers' <c>VectorQuantizer</c>: a codebook <c>embedding.weight</c> [count, dim], each
/// latent vector replaced by its nearest codebook vector in Euclidean distance (upstream's <c>torch.cdist</c> and
/// <c>argmin</c>: of equally near vectors the lowest index wins).
/// </summary>
/// <remarks>
/// The distances come from one matrix product, <c>|e|² - 2 z·e</c> for every latent z and codebook vector e (the
/// <c>|z|²</c> every candidate shares cannot change the choice), as upstream's <c>cdist</c> computes them for batches of
/// this size; only the choice of the smallest runs on the host. Results are views over the module's buffers, valid until
/// its next call; not safe to run from two threads at once.
/// </remarks>
public sealed class VectorQuantizer : Module
{
    private readonly ActivationBuffer _rows;
    private readonly ActivationBuffer _scores;
    private readonly ActivationBuffer _quantized;
    private float[] _squaredNorms = [];
    private int[] _indices = [];

    /// <summary>A codebook of <paramref name="count"/> vectors of <paramref name="dim"/> (weights come from <see cref="Module.LoadWeights"/>).</summary>
    public VectorQuantizer(int count, int dim)
    {
        _rows = AddBuffer();
        _scores = AddBuffer();
        _quantized = AddBuffer();
        Codebook = AddChild("embedding", new Embedding(count, dim));
    }

    /// <summary>The codebook (<c>embedding</c>, weight [count, dim]).</summary>
    public Embedding Codebook { get; }

    /// <summary>How many codes there are: valid codes are 0 to this minus 1.</summary>
    public int Count => Codebook.Count;

    /// <summary>The width of a codebook vector (the latents' channels).</summary>
    public int Dim => Codebook.Dim;

    /// <inheritdoc />
    protected override long PreparedBytes => (long)_squaredNorms.Length * sizeof(float);

    /// <summary>
    /// Replaces each vector of <paramref name="latents"/> [B, dim, h, w] by its nearest codebook vector: the quantized
    /// latents [B, dim, h, w] and their codes, row-major [B, h, w]. Both valid until the next call.
    /// </summary>
    public QuantizedLatents Forward(TensorView latents)
    {
        if (latents.Rank != 4 || latents.Dim(1) != Dim)
        {
            throw new ArgumentException($"The vector quantizer expects latents [B, {Dim}, h, w]; got {latents.Shape}.", nameof(latents));
        }

        int batch = latents.Dim(0), height = latents.Dim(2), width = latents.Dim(3);
        if (latents.Stride(3) != 1)
        {
            // The product reads each image row as a matrix whose rows are latent vectors: it needs unit steps along width.
            var dense = _rows.Get(batch, Dim, height, width);
            Backend.Copy(latents, dense);
            latents = dense;
        }

        // Batch axes B and h, rows along w, the channel axis as the inner dimension: [B, h, w, count] scores.
        var scores = _scores.Get(batch, height, width, Count);
        Backend.MatMul(latents.Permute(0, 2, 3, 1), Codebook.Weight.View.Transpose(0, 1), scores, new GemmEpilogue(alpha: -2f));
        int vectors = batch * height * width;
        if (_indices.Length < vectors)
        {
            _indices = new int[vectors];
        }

        Nearest(scores.Span, _indices.AsSpan(0, vectors));
        return new QuantizedLatents(Lookup(_indices.AsSpan(0, vectors), batch, height, width), new ReadOnlyMemory<int>(_indices, 0, vectors));
    }

    /// <summary>
    /// The codebook vectors of <paramref name="codes"/> (row-major [batch, height, width]) as latents
    /// [batch, dim, height, width] (diffusers' <c>get_codebook_entry</c>), valid until the next call.
    /// </summary>
    /// <exception cref="ArgumentException">The number of codes is not batch x height x width.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A code is outside 0 to <see cref="Count"/> - 1; names its position.</exception>
    public TensorView Lookup(ReadOnlySpan<int> codes, int batch, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (codes.Length != (long)batch * height * width)
        {
            throw new ArgumentException($"Expected {batch} x {height} x {width} codes; got {codes.Length}.", nameof(codes));
        }

        for (int i = 0; i < codes.Length; i++)
        {
            if ((uint)codes[i] >= (uint)Count)
            {
                int cell = i % (height * width);
                throw new ArgumentOutOfRangeException(
                    nameof(codes), codes[i], $"Code {codes[i]} at [{i / (height * width)}, {cell / width}, {cell % width}] is outside the codebook's 0 to {Count - 1}.");
            }
        }

        var rows = Codebook.Forward(codes);
        var quantized = _quantized.Get(batch, Dim, height, width);
        Backend.Copy(rows.Reshape(batch, height, width, Dim).Permute(0, 3, 1, 2), quantized);
        return quantized;
    }

    /// <inheritdoc />
    protected override void OnWeightsLoaded()
    {
        // |e|² per codebook vector, once: the part of every distance that does not depend on the latent.
        var weight = Codebook.Weight.View.ToArray();
        _squaredNorms = new float[Count];
        for (int code = 0; code < Count; code++)
        {
            var vector = weight.AsSpan(code * Dim, Dim);
            float sum = 0f;
            foreach (float value in vector)
            {
                sum += value * value;
            }

            _squaredNorms[code] = sum;
        }
    }

    // For each row of scores (-2 z·e per code), the code of the smallest |e|² - 2 z·e; strict comparison keeps the
    // lowest index among equals, as argmin does.
    private void Nearest(ReadOnlySpan<float> scores, Span<int> indices)
    {
        int count = Count;
        for (int row = 0; row < indices.Length; row++)
        {
            var candidates = scores.Slice(row * count, count);
            int best = 0;
            float smallest = _squaredNorms[0] + candidates[0];
            for (int code = 1; code < count; code++)
            {
                float distance = _squaredNorms[code] + candidates[code];
                if (distance < smallest)
                {
                    smallest = distance;
                    best = code;
                }
            }

            indices[row] = best;
        }
    }
}
