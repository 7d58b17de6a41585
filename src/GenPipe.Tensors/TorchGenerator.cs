using GenPipe.Tensors.Rng;

namespace GenPipe.Tensors;

/// <summary>
/// PyTorch's CPU random generator, reproduced bit for bit: <c>new TorchGenerator(s).Randn(shape)</c> equals
/// <c>torch.manual_seed(s); torch.randn(shape)</c> (float32), and successive calls continue the stream like a reused
/// <c>torch.Generator</c>.
/// </summary>
/// <remarks>
/// <para>The engine is MT19937 seeded with the low 32 bits of the seed (as torch does, so seeds that differ only
/// above bit 31 give the same stream). <c>randn</c> then takes one of two paths, chosen by element count:</para>
/// <list type="bullet">
/// <item>16 or more: fill the whole tensor with float uniforms (24 random bits each), turn each block of 16 into
/// normals by Box-Muller over the pairs (i, i + 8), and, when the count is not a multiple of 16, draw the last 16
/// uniforms again and redo that block, all in single precision.</item>
/// <item>Fewer than 16: one double-precision Box-Muller per element from two 53-bit uniforms; the second normal of
/// each pair is cached on the generator and used by the next small draw.</item>
/// </list>
/// <para>Torch computes the vectorised path's log/sin/cos differently depending on the CPU kernel it dispatches to;
/// <see cref="TorchNormalKernel"/> picks which one to imitate (AVX2 by default). The scalar path uses the C library's
/// double-precision functions through <see cref="Math"/>, as torch does. Not thread-safe: give each thread its own
/// generator.</para>
/// </remarks>
public sealed class TorchGenerator : IRandomSource
{
    /// <summary>Below this element count torch draws normals one at a time in double precision.</summary>
    private const int VectorisedMinimum = 16;

    private const float FloatUnit = 1f / (1 << 24);
    private const double DoubleUnit = 1.0 / (1UL << 53);

    private static readonly float TwoPiFloat = (float)(2.0 * Math.PI);

    private readonly Mt19937 _engine;
    private double? _cachedNormal;

    /// <summary>A generator in the state <c>torch.manual_seed(seed)</c> leaves it in, imitating torch's AVX2 kernel.</summary>
    /// <param name="seed">Any 64-bit seed; negative values wrap as torch's unsigned seed does.</param>
    public TorchGenerator(long seed)
        : this(seed, TorchNormalKernel.Avx2)
    {
    }

    /// <summary>A generator in the state <c>torch.manual_seed(seed)</c> leaves it in.</summary>
    /// <param name="seed">Any 64-bit seed; negative values wrap as torch's unsigned seed does.</param>
    /// <param name="kernel">Which torch CPU kernel's rounding to reproduce for draws of 16 or more values.</param>
    /// <exception cref="ArgumentOutOfRangeException">The kernel is not a defined value.</exception>
    public TorchGenerator(long seed, TorchNormalKernel kernel)
    {
        if (!Enum.IsDefined(kernel))
        {
            throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "Use TorchNormalKernel.Avx2 or TorchNormalKernel.Portable.");
        }

        Seed = seed;
        Kernel = kernel;
        _engine = new Mt19937(unchecked((ulong)seed));
    }

    /// <summary>The seed this generator started from.</summary>
    public long Seed { get; }

    /// <summary>The torch CPU kernel whose results draws of 16 or more values reproduce.</summary>
    public TorchNormalKernel Kernel { get; }

    /// <summary>Draws standard normal values like <c>torch.randn(shape, generator=g)</c> on the CPU in float32.</summary>
    /// <exception cref="ArgumentException">A dimension is negative.</exception>
    public Tensor Randn(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var result = Tensor.Zeros(shape);
        FillNormal(result.Span);
        return result;
    }

    /// <summary>
    /// Fills <paramref name="destination"/> as <c>torch.randn</c> fills a contiguous float32 tensor of that many
    /// elements (the path depends on the length, so filling in pieces differs from filling at once).
    /// </summary>
    public void FillNormal(Span<float> destination)
    {
        if (destination.Length >= VectorisedMinimum)
        {
            FillNormalVectorised(destination);
            return;
        }

        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)NextNormalDouble();
        }
    }

    /// <summary>
    /// A uniform value in [0, 1) with 53 random bits, equal to <c>torch.rand(1, dtype=torch.float64, generator=g)</c>.
    /// </summary>
    public double NextDouble() => (NextUInt64() & ((1UL << 53) - 1)) * DoubleUnit;

    /// <summary>A uniform value in [0, 1) with 24 random bits, equal to <c>torch.rand(1, generator=g)</c>.</summary>
    public float NextSingle() => (_engine.NextUInt32() & ((1u << 24) - 1)) * FloatUnit;

    /// <summary>The next 32 raw bits of the engine.</summary>
    public uint NextUInt32() => _engine.NextUInt32();

    /// <summary>The next 64 raw bits: two engine draws, the first as the high half (torch's <c>random64</c>).</summary>
    public ulong NextUInt64()
    {
        ulong high = _engine.NextUInt32();
        ulong low = _engine.NextUInt32();
        return (high << 32) | low;
    }

    /// <summary>
    /// One standard normal in double precision, as torch's <c>normal_distribution&lt;double&gt;</c> draws it:
    /// Box-Muller on two 53-bit uniforms, the sine half kept for the next call.
    /// </summary>
    public double NextNormalDouble()
    {
        if (_cachedNormal is double cached)
        {
            _cachedNormal = null;
            return cached;
        }

        double u1 = NextDouble();
        double u2 = NextDouble();

        // 1 - u2 is exact (u2 is a multiple of 2^-53), so log(1 - u2) equals torch's log1p(-u2) when both round well.
        double radius = Math.Sqrt(-2.0 * Math.Log(1.0 - u2));
        double theta = 2.0 * Math.PI * u1;
        _cachedNormal = radius * Math.Sin(theta);
        return radius * Math.Cos(theta);
    }

    private void FillNormalVectorised(Span<float> data)
    {
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = NextSingle();
        }

        for (int i = 0; i + VectorisedMinimum <= data.Length; i += VectorisedMinimum)
        {
            BoxMuller16(data.Slice(i, VectorisedMinimum), Kernel);
        }

        if (data.Length % VectorisedMinimum != 0)
        {
            // Torch redraws the tail block from fresh uniforms rather than reusing the leftover ones.
            var tail = data[^VectorisedMinimum..];
            for (int i = 0; i < tail.Length; i++)
            {
                tail[i] = NextSingle();
            }

            BoxMuller16(tail, Kernel);
        }
    }

    private static void BoxMuller16(Span<float> block, TorchNormalKernel kernel)
    {
        for (int j = 0; j < 8; j++)
        {
            // 1 - u maps [0, 1) to (0, 1] so the log is finite.
            float u1 = 1f - block[j];
            float u2 = block[j + 8];
            float radius, sin, cos;
            if (kernel == TorchNormalKernel.Avx2)
            {
                radius = MathF.Sqrt(-2f * CephesFloatMath.Log(u1));
                (sin, cos) = CephesFloatMath.SinCos(TwoPiFloat * u2);
            }
            else
            {
                // The portable kernel forms the angle in double (2.0f * pi<double> * u2) before narrowing it.
                radius = MathF.Sqrt(-2f * MathF.Log(u1));
                float theta = (float)(2.0 * Math.PI * u2);
                sin = MathF.Sin(theta);
                cos = MathF.Cos(theta);
            }

            block[j] = radius * cos;
            block[j + 8] = radius * sin;
        }
    }
}
