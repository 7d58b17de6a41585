namespace GenPipe.Tensors.Backends;

/// <summary>
/// The kernels a device provides. Model code (GenPipe.Nn) calls only this interface, so an accelerator can arrive later
/// as a plugin that registers another backend (<see cref="TensorBackends.Register"/>) without touching model code.
/// </summary>
/// <remarks>
/// Conventions for every kernel: float32; images are NCHW; outputs are contiguous views the caller allocated (kernels
/// allocate nothing in steady state) and must not overlap inputs unless a parameter says it may. Inputs may be
/// strided views where the parameter says so. Shape mismatches throw <see cref="ArgumentException"/> naming both shapes.
/// </remarks>
public interface ITensorBackend
{
    /// <summary>The device this backend computes on (<c>cpu</c> for the built-in one).</summary>
    string Device { get; }

    /// <summary>
    /// New zeroed storage of <paramref name="length"/> float32 elements in this device's memory. Modules allocate their
    /// activations and caches here (never with <c>new float[]</c>), so that a device backend owns that memory and a
    /// component can report it per device for the memory pool to count.
    /// </summary>
    TensorStorage Allocate(int length);

    /// <summary>
    /// Makes weights read from a file usable by this backend. The CPU backend keeps them as they are (a memory-mapped
    /// file stays mapped, nothing is copied); a device backend copies them into its memory.
    /// </summary>
    /// <exception cref="ArgumentException">The weights live on a device this backend cannot read from.</exception>
    Tensor Adopt(Tensor weights);

    /// <summary>Packs a constant right-hand operand <paramref name="b"/> [K, N] (any strides) once, for repeated products.</summary>
    /// <remarks>A PyTorch <c>Linear</c> weight [out, in] is packed as its transpose view, [in, out].</remarks>
    PackedMatrix PackMatrix(TensorView b);

    /// <summary>
    /// <c>output = epilogue(a · b)</c>. <paramref name="a"/> is [..., M, K] and <paramref name="b"/> is [..., K, N] or
    /// [K, N] (shared by every batch); either may be transposed (unit stride on either of its last two axes) and
    /// batch axes may be strided. <paramref name="output"/> is [..., M, N]. The bias has N elements.
    /// </summary>
    void MatMul(TensorView a, TensorView b, TensorView output, in GemmEpilogue epilogue);

    /// <summary><c>output = epilogue(a · b)</c> with a packed <paramref name="b"/>; <paramref name="a"/> is [..., K] with a unit last stride and is read as rows.</summary>
    void MatMul(TensorView a, PackedMatrix b, TensorView output, in GemmEpilogue epilogue);

    /// <summary>Packs convolution weights [Cout, Cin / groups, kH, kW] for <paramref name="geometry"/>.</summary>
    PackedConv2d PackConv2d(TensorView weight, Conv2dGeometry geometry);

    /// <summary>
    /// 2-D convolution of <paramref name="input"/> [N, Cin, H, W] into <paramref name="output"/> [N, Cout, Ho, Wo];
    /// the epilogue's bias has Cout elements and its residual the output's shape.
    /// </summary>
    void Conv2d(TensorView input, PackedConv2d weight, TensorView output, in GemmEpilogue epilogue);

    /// <summary>
    /// Group normalization of <paramref name="input"/> [N, C, ...] over <paramref name="groups"/> channel groups, with
    /// per-channel <paramref name="gamma"/> and <paramref name="beta"/>, then <paramref name="activation"/>.
    /// </summary>
    void GroupNorm(TensorView input, int groups, TensorView gamma, TensorView beta, float epsilon, TensorView output, Activation activation = Activation.None);

    /// <summary>Layer normalization over the last axis (<paramref name="beta"/> may be none).</summary>
    void LayerNorm(TensorView input, TensorView gamma, TensorView beta, float epsilon, TensorView output);

    /// <summary>Softmax over the last axis; <paramref name="output"/> may be <paramref name="input"/>.</summary>
    void Softmax(TensorView input, TensorView output);

    /// <summary>
    /// Scaled dot-product attention, blocked so that the full score matrix is never materialized.
    /// <paramref name="query"/> is [B, H, Lq, D]; <paramref name="key"/> and <paramref name="value"/> are [B, H, Lk, D];
    /// <paramref name="output"/> is [B, H, Lq, D]. Inputs and output may be strided views (for example heads split
    /// out of a fused projection) as long as the last axis has unit stride. With <paramref name="causal"/>, query i
    /// sees keys up to i + Lk - Lq (so a query block appended after a key-value cache sees the whole cache).
    /// </summary>
    void Attention(TensorView query, TensorView key, TensorView value, TensorView output, float scale, bool causal);

    /// <summary>
    /// <see cref="Attention(TensorView, TensorView, TensorView, TensorView, float, bool)"/> where batch row b attends
    /// only to keys from <paramref name="keyStarts"/>[b] on: the keys before it are masked out, as left padding is.
    /// A query that would then see no key (a padding position itself) sees only its last visible key, so its output
    /// stays finite; it is meant to be ignored. <paramref name="keyStarts"/> has one entry per batch row, or none
    /// (no masking, exactly the call without it).
    /// </summary>
    /// <exception cref="NotSupportedException">The backend cannot mask keys and a start is not zero.</exception>
    void Attention(TensorView query, TensorView key, TensorView value, TensorView output, float scale, bool causal, ReadOnlySpan<int> keyStarts)
    {
        foreach (int start in keyStarts)
        {
            if (start != 0)
            {
                throw new NotSupportedException(
                    $"The '{Device}' backend ({GetType().Name}) has no attention with per-row key starts; run padded batches on the cpu backend or batch prompts of equal length.");
            }
        }

        Attention(query, key, value, output, scale, causal);
    }

    /// <summary><c>output = activation(input)</c>; <paramref name="output"/> may be <paramref name="input"/>.</summary>
    void Activate(TensorView input, TensorView output, Activation activation);

    /// <summary><c>output = a + b</c>, <paramref name="b"/> broadcast to <paramref name="a"/>'s shape; output may alias a.</summary>
    void Add(TensorView a, TensorView b, TensorView output);

    /// <summary><c>output = a * b</c>, <paramref name="b"/> broadcast to <paramref name="a"/>'s shape; output may alias a.</summary>
    void Multiply(TensorView a, TensorView b, TensorView output);

    /// <summary><c>output = input * scale</c>; output may alias input.</summary>
    void Scale(TensorView input, float scale, TensorView output);

    /// <summary>
    /// <c>output = input * scale + shift</c> (latent scaling, value-range maps); output may alias input. Whether the
    /// product is rounded before the addition is the backend's choice, so backends may differ in the last bit.
    /// </summary>
    void Affine(TensorView input, float scale, float shift, TensorView output);

    /// <summary>
    /// <c>output = min(max(input, min), max)</c>; a NaN stays NaN, as in <c>torch.clamp</c>. Output may alias input.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="min"/> is greater than <paramref name="max"/>.</exception>
    void Clamp(TensorView input, float min, float max, TensorView output);

    /// <summary>
    /// <c>output = exp(input * scale)</c>, the product rounded to float32 before the exponential (as
    /// <c>torch.exp(scale * x)</c> computes it); output may alias input.
    /// </summary>
    void Exp(TensorView input, float scale, TensorView output);

    /// <summary>
    /// Copies any strided view into a view of the same shape: contiguous, or strided too (a slice of a larger
    /// buffer, as <see cref="Concat"/> writes); the two must not overlap.
    /// </summary>
    void Copy(TensorView source, TensorView destination);

    /// <summary>
    /// Nearest-neighbour resizing of [N, C, H, W] to the output's height and width, as PyTorch's
    /// <c>interpolate(mode="nearest")</c>: output index o reads input index floor(o · in / out) (exact for doubling),
    /// so integer factors repeat each pixel and other sizes (a UNet's odd skip sizes) match PyTorch's choice.
    /// </summary>
    void UpsampleNearest(TensorView input, TensorView output);

    /// <summary>Concatenates views (equal in every axis but <paramref name="axis"/>) along <paramref name="axis"/>.</summary>
    void Concat(ReadOnlySpan<TensorView> inputs, int axis, TensorView output);

    /// <summary>Rows of <paramref name="table"/> [V, D] for each id into <paramref name="output"/> [ids, D]; ids out of range throw.</summary>
    void Embedding(TensorView table, ReadOnlySpan<int> ids, TensorView output);

    /// <summary>
    /// Sinusoidal timestep embeddings as diffusers' <c>get_timestep_embedding</c>: <paramref name="output"/> is
    /// [timesteps, dim]; frequencies <c>exp(-ln(maxPeriod) * i / (half - downscaleFreqShift))</c>, sines first
    /// (cosines first with <paramref name="flipSinToCos"/>), an odd dim padded with a zero column.
    /// </summary>
    void TimestepEmbedding(ReadOnlySpan<float> timesteps, TensorView output, bool flipSinToCos, float downscaleFreqShift, float scale = 1f, float maxPeriod = 10000f);
}
