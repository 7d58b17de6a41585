using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Cpu.Attention;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu;

/// <summary>
/// The built-in backend: managed SIMD kernels (Vector512 where the CPU has AVX-512) spread over <see cref="Workers"/>.
/// Each kernel family lives in its own class; this one only routes.
/// </summary>
public sealed class CpuBackend : ITensorBackend
{
    /// <summary>Creates a backend that runs its kernels on <paramref name="workers"/>.</summary>
    public CpuBackend(CpuWorkers workers)
    {
        ArgumentNullException.ThrowIfNull(workers);
        Workers = workers;
    }

    /// <summary>The process-wide CPU backend on <see cref="CpuWorkers.Shared"/>.</summary>
    public static CpuBackend Shared { get; } = new(CpuWorkers.Shared);

    /// <summary>The threads the kernels run on; set <see cref="CpuWorkers.Threads"/> to use fewer.</summary>
    public CpuWorkers Workers { get; }

    /// <inheritdoc />
    public string Device => CpuDevice.Name;

    /// <inheritdoc />
    public TensorStorage Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new ArrayStorage(new float[length]);
    }

    /// <inheritdoc />
    public Tensor Adopt(Tensor weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return weights.Storage.Device == CpuDevice.Name
            ? weights
            : throw new ArgumentException(
                $"The cpu backend cannot read weights held on device '{weights.Storage.Device}'; load them from the file again for the cpu.", nameof(weights));
    }

    /// <inheritdoc />
    public PackedMatrix PackMatrix(TensorView b) => CpuGemm.Pack(b);

    /// <inheritdoc />
    public void MatMul(TensorView a, TensorView b, TensorView output, in GemmEpilogue epilogue) =>
        CpuGemm.MatMul(a, b, output, epilogue, Workers);

    /// <inheritdoc />
    public void MatMul(TensorView a, PackedMatrix b, TensorView output, in GemmEpilogue epilogue) =>
        CpuGemm.MatMul(a, b, output, epilogue, Workers);

    /// <inheritdoc />
    public PackedConv2d PackConv2d(TensorView weight, Conv2dGeometry geometry) => CpuConv2d.Pack(weight, geometry);

    /// <inheritdoc />
    public void Conv2d(TensorView input, PackedConv2d weight, TensorView output, in GemmEpilogue epilogue) =>
        CpuConv2d.Run(input, weight, output, epilogue, Workers);

    /// <inheritdoc />
    public void GroupNorm(TensorView input, int groups, TensorView gamma, TensorView beta, float epsilon, TensorView output, Activation activation = Activation.None) =>
        CpuNormalization.GroupNorm(input, groups, gamma, beta, epsilon, output, activation, Workers);

    /// <inheritdoc />
    public void LayerNorm(TensorView input, TensorView gamma, TensorView beta, float epsilon, TensorView output) =>
        CpuNormalization.LayerNorm(input, gamma, beta, epsilon, output, Workers);

    /// <inheritdoc />
    public void Softmax(TensorView input, TensorView output) => CpuSoftmax.LastAxis(input, output, Workers);

    /// <inheritdoc />
    public void Attention(TensorView query, TensorView key, TensorView value, TensorView output, float scale, bool causal) =>
        CpuAttention.Run(query, key, value, output, scale, causal, [], Workers);

    /// <inheritdoc />
    public void Attention(TensorView query, TensorView key, TensorView value, TensorView output, float scale, bool causal, ReadOnlySpan<int> keyStarts) =>
        CpuAttention.Run(query, key, value, output, scale, causal, keyStarts, Workers);

    /// <inheritdoc />
    public void Activate(TensorView input, TensorView output, Activation activation) =>
        CpuElementwise.Activate(input, output, activation, Workers);

    /// <inheritdoc />
    public void Add(TensorView a, TensorView b, TensorView output) => CpuElementwise.Add(a, b, output, Workers);

    /// <inheritdoc />
    public void Multiply(TensorView a, TensorView b, TensorView output) => CpuElementwise.Multiply(a, b, output, Workers);

    /// <inheritdoc />
    public void Scale(TensorView input, float scale, TensorView output) => CpuElementwise.Scale(input, scale, output, Workers);

    /// <inheritdoc />
    public void Affine(TensorView input, float scale, float shift, TensorView output) =>
        CpuElementwise.Affine(input, scale, shift, output, Workers);

    /// <inheritdoc />
    public void Clamp(TensorView input, float min, float max, TensorView output) => CpuElementwise.Clamp(input, min, max, output, Workers);

    /// <inheritdoc />
    public void Exp(TensorView input, float scale, TensorView output) => CpuElementwise.Exp(input, scale, output, Workers);

    /// <inheritdoc />
    public void Copy(TensorView source, TensorView destination) => CpuLayout.Copy(source, destination, Workers);

    /// <inheritdoc />
    public void UpsampleNearest(TensorView input, TensorView output) =>
        CpuLayout.UpsampleNearest(input, output, Workers);

    /// <inheritdoc />
    public void Concat(ReadOnlySpan<TensorView> inputs, int axis, TensorView output) => CpuLayout.Concat(inputs, axis, output, Workers);

    /// <inheritdoc />
    public void Embedding(TensorView table, ReadOnlySpan<int> ids, TensorView output) => CpuEmbeddings.Lookup(table, ids, output);

    /// <inheritdoc />
    public void TimestepEmbedding(ReadOnlySpan<float> timesteps, TensorView output, bool flipSinToCos, float downscaleFreqShift, float scale = 1f, float maxPeriod = 10000f) =>
        CpuEmbeddings.Timesteps(timesteps, output, flipSinToCos, downscaleFreqShift, scale, maxPeriod);
}
