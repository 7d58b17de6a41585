using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Tests.Reference;

/// <summary>
/// Naive single-threaded loops for every <see cref="ITensorBackend"/> kernel, straight from the definitions, on any
/// strides. Used by the tests where the CPU backend's kernels have not landed yet, and as an independent check of the
/// module wiring. Allocation-free after warm-up (one growable score buffer), so the zero-allocation test can run on it.
/// </summary>
/// <remarks>
/// It is also a device of its own, <c>reference</c>, the way an accelerator backend would be: what it allocates and the
/// weights it adopts (copied) are <see cref="ReferenceStorage"/>, counted in <see cref="LiveBytes"/>, so tests can
/// check that modules take every byte they keep from their backend and report it on the backend's device. Its kernels
/// read any host storage, so tests feed it ordinary CPU tensors.
/// </remarks>
internal sealed partial class ReferenceBackend : ITensorBackend
{
    public const string DeviceName = "reference";

    private float[] _scores = new float[64];
    private long _liveBytes;

    public string Device => DeviceName;

    /// <summary>The bytes of this backend's storage not yet disposed: what the device holds now.</summary>
    public long LiveBytes => Interlocked.Read(ref _liveBytes);

    public TensorStorage Allocate(int length)
    {
        Interlocked.Add(ref _liveBytes, (long)length * sizeof(float));
        return new ReferenceStorage(this, new float[length]);
    }

    public Tensor Adopt(Tensor weights)
    {
        var copy = Tensor.Zeros(this, weights.GetShape());
        Copy(weights, copy);
        return copy;
    }

    public PackedMatrix PackMatrix(TensorView b) => new Packed(b);

    public void MatMul(TensorView a, TensorView b, TensorView output, in GemmEpilogue epilogue)
    {
        int m = a.Dim(-2), k = a.Dim(-1), n = b.Dim(-1);
        Check(b.Dim(-2) == k && output.Dim(-2) == m && output.Dim(-1) == n, a, b);
        int batches = output.Length / Math.Max(m * n, 1);
        int rank = output.Rank;
        for (int batch = 0; batch < batches; batch++)
        {
            int rest = batch, aBase = a.Offset, bBase = b.Offset;
            for (int d = rank - 3; d >= 0; d--)
            {
                int i = rest % output.Dim(d);
                rest /= output.Dim(d);
                aBase += i * a.Stride(d);
                if (b.Rank == rank)
                {
                    bBase += i * b.Stride(d);
                }
            }

            var aS = a.Storage.Span;
            var bS = b.Storage.Span;
            for (int row = 0; row < m; row++)
            {
                for (int col = 0; col < n; col++)
                {
                    double acc = 0;
                    for (int p = 0; p < k; p++)
                    {
                        acc += (double)aS[aBase + (row * a.Stride(-2)) + (p * a.Stride(-1))] * bS[bBase + (p * b.Stride(-2)) + (col * b.Stride(-1))];
                    }

                    int linear = (((batch * m) + row) * n) + col;
                    Store(output, linear, col, (float)acc, epilogue);
                }
            }
        }
    }

    public void MatMul(TensorView a, PackedMatrix b, TensorView output, in GemmEpilogue epilogue)
    {
        var w = ((Packed)b).Matrix;
        int k = w.Dim(0), n = w.Dim(1);
        Check(a.Dim(-1) == k && output.Dim(-1) == n, a, w);
        int rows = a.Length / k;
        var aS = a.Storage.Span;
        var wS = w.Storage.Span;
        for (int r = 0; r < rows; r++)
        {
            int aRow = Off(a, r * k);
            for (int col = 0; col < n; col++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++)
                {
                    acc += (double)aS[aRow + (p * a.Stride(-1))] * wS[w.Offset + (p * w.Stride(0)) + (col * w.Stride(1))];
                }

                Store(output, (r * n) + col, col, (float)acc, epilogue);
            }
        }
    }

    public PackedConv2d PackConv2d(TensorView weight, Conv2dGeometry geometry) => new PackedConv(weight, geometry);

    public void Conv2d(TensorView input, PackedConv2d weight, TensorView output, in GemmEpilogue epilogue)
    {
        var pc = (PackedConv)weight;
        var w = pc.Weight;
        var g = pc.Geometry;
        int n = input.Dim(0), cin = input.Dim(1), h = input.Dim(2), wd = input.Dim(3);
        int cout = w.Dim(0), cpg = w.Dim(1), kh = w.Dim(2), kw = w.Dim(3);
        int ho = g.OutputHeight(h, kh), wo = g.OutputWidth(wd, kw);
        Check(cin == cpg * g.Groups && output.Dim(1) == cout && output.Dim(2) == ho && output.Dim(3) == wo, input, output);
        int outPerGroup = cout / g.Groups;
        var x = input.Storage.Span;
        var ws = w.Storage.Span;
        int xs0 = input.Stride(0), xs1 = input.Stride(1), xs2 = input.Stride(2), xs3 = input.Stride(3);
        int ws0 = w.Stride(0), ws1 = w.Stride(1), ws2 = w.Stride(2), ws3 = w.Stride(3);
        for (int b = 0; b < n; b++)
        {
            for (int oc = 0; oc < cout; oc++)
            {
                int group = oc / outPerGroup;
                for (int oy = 0; oy < ho; oy++)
                {
                    for (int ox = 0; ox < wo; ox++)
                    {
                        double acc = 0;
                        for (int ky = 0; ky < kh; ky++)
                        {
                            int iy = (oy * g.StrideH) - g.PadH + (ky * g.DilationH);
                            if ((uint)iy >= (uint)h)
                            {
                                continue;
                            }

                            for (int kx = 0; kx < kw; kx++)
                            {
                                int ix = (ox * g.StrideW) - g.PadW + (kx * g.DilationW);
                                if ((uint)ix >= (uint)wd)
                                {
                                    continue;
                                }

                                int xo = input.Offset + (b * xs0) + (group * cpg * xs1) + (iy * xs2) + (ix * xs3);
                                int wo0 = w.Offset + (oc * ws0) + (ky * ws2) + (kx * ws3);
                                for (int ic = 0; ic < cpg; ic++)
                                {
                                    acc += (double)x[xo + (ic * xs1)] * ws[wo0 + (ic * ws1)];
                                }
                            }
                        }

                        Store(output, (((((b * cout) + oc) * ho) + oy) * wo) + ox, oc, (float)acc, epilogue);
                    }
                }
            }
        }
    }

    public void GroupNorm(TensorView input, int groups, TensorView gamma, TensorView beta, float epsilon, TensorView output, Activation activation = Activation.None)
    {
        int n = input.Dim(0), c = input.Dim(1);
        int spatial = input.Length / (n * c);
        int cpg = c / groups;
        var x = input.Storage.Span;
        for (int b = 0; b < n; b++)
        {
            for (int g = 0; g < groups; g++)
            {
                int start = ((b * c) + (g * cpg)) * spatial, count = cpg * spatial;
                double sum = 0, sq = 0;
                for (int i = 0; i < count; i++)
                {
                    double v = x[Off(input, start + i)];
                    sum += v;
                }

                double mean = sum / count;
                for (int i = 0; i < count; i++)
                {
                    double d = x[Off(input, start + i)] - mean;
                    sq += d * d;
                }

                double inv = 1.0 / Math.Sqrt((sq / count) + epsilon);
                for (int i = 0; i < count; i++)
                {
                    int ch = (g * cpg) + (i / spatial);
                    double y = ((x[Off(input, start + i)] - mean) * inv * gamma[ch]) + beta[ch];
                    output.Storage.Span[Off(output, start + i)] = Apply((float)y, activation);
                }
            }
        }
    }

    public void LayerNorm(TensorView input, TensorView gamma, TensorView beta, float epsilon, TensorView output)
    {
        int d = input.Dim(-1), rows = input.Length / d;
        var x = input.Storage.Span;
        for (int r = 0; r < rows; r++)
        {
            double sum = 0, sq = 0;
            for (int i = 0; i < d; i++)
            {
                sum += x[Off(input, (r * d) + i)];
            }

            double mean = sum / d;
            for (int i = 0; i < d; i++)
            {
                double v = x[Off(input, (r * d) + i)] - mean;
                sq += v * v;
            }

            double inv = 1.0 / Math.Sqrt((sq / d) + epsilon);
            for (int i = 0; i < d; i++)
            {
                double y = ((x[Off(input, (r * d) + i)] - mean) * inv * gamma[i]) + (beta.IsNone ? 0 : beta[i]);
                output.Storage.Span[Off(output, (r * d) + i)] = (float)y;
            }
        }
    }

    public void Softmax(TensorView input, TensorView output)
    {
        int d = input.Dim(-1), rows = input.Length / d;
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int i = 0; i < d; i++)
            {
                max = Math.Max(max, input.Storage.Span[Off(input, (r * d) + i)]);
            }

            for (int i = 0; i < d; i++)
            {
                sum += Math.Exp(input.Storage.Span[Off(input, (r * d) + i)] - max);
            }

            for (int i = 0; i < d; i++)
            {
                int o = Off(input, (r * d) + i);
                output.Storage.Span[Off(output, (r * d) + i)] = (float)(Math.Exp(input.Storage.Span[o] - max) / sum);
            }
        }
    }

    public void Attention(TensorView query, TensorView key, TensorView value, TensorView output, float scale, bool causal) =>
        Attention(query, key, value, output, scale, causal, []);

    // Row b sees keys [start, visible), start = keyStarts[b], except that a query before its start (padding) sees its
    // last visible key only.
    public void Attention(TensorView query, TensorView key, TensorView value, TensorView output, float scale, bool causal, ReadOnlySpan<int> keyStarts)
    {
        int batch = query.Dim(0), heads = query.Dim(1), lq = query.Dim(2), dim = query.Dim(3), lk = key.Dim(2);
        if (_scores.Length < lk)
        {
            _scores = new float[lk];
        }

        var q = query.Storage.Span;
        var k = key.Storage.Span;
        var v = value.Storage.Span;
        var o = output.Storage.Span;
        for (int b = 0; b < batch; b++)
        {
            for (int h = 0; h < heads; h++)
            {
                for (int i = 0; i < lq; i++)
                {
                    int qRow = query.Offset + (b * query.Stride(0)) + (h * query.Stride(1)) + (i * query.Stride(2));
                    int visible = causal ? Math.Min(lk, i + lk - lq + 1) : lk;
                    int start = keyStarts.IsEmpty ? 0 : Math.Max(0, Math.Min(keyStarts[b], visible - 1));
                    double max = double.NegativeInfinity;
                    for (int j = start; j < visible; j++)
                    {
                        int kRow = key.Offset + (b * key.Stride(0)) + (h * key.Stride(1)) + (j * key.Stride(2));
                        double s = 0;
                        for (int e = 0; e < dim; e++)
                        {
                            s += (double)q[qRow + (e * query.Stride(3))] * k[kRow + (e * key.Stride(3))];
                        }

                        _scores[j] = (float)(s * scale);
                        max = Math.Max(max, _scores[j]);
                    }

                    double sum = 0;
                    for (int j = start; j < visible; j++)
                    {
                        sum += Math.Exp(_scores[j] - max);
                    }

                    int oRow = output.Offset + (b * output.Stride(0)) + (h * output.Stride(1)) + (i * output.Stride(2));
                    for (int e = 0; e < dim; e++)
                    {
                        double acc = 0;
                        for (int j = start; j < visible; j++)
                        {
                            int vRow = value.Offset + (b * value.Stride(0)) + (h * value.Stride(1)) + (j * value.Stride(2));
                            acc += Math.Exp(_scores[j] - max) * v[vRow + (e * value.Stride(3))];
                        }

                        o[oRow + (e * output.Stride(3))] = (float)(acc / sum);
                    }
                }
            }
        }
    }

    public void Activate(TensorView input, TensorView output, Activation activation)
    {
        for (int i = 0; i < input.Length; i++)
        {
            output.Storage.Span[Off(output, i)] = Apply(input.Storage.Span[Off(input, i)], activation);
        }
    }

    public void Add(TensorView a, TensorView b, TensorView output)
    {
        var bb = b.BroadcastTo(a.Shape);
        for (int i = 0; i < a.Length; i++)
        {
            output.Storage.Span[Off(output, i)] = a.Storage.Span[Off(a, i)] + bb.Storage.Span[Off(bb, i)];
        }
    }

    public void Multiply(TensorView a, TensorView b, TensorView output)
    {
        var bb = b.BroadcastTo(a.Shape);
        for (int i = 0; i < a.Length; i++)
        {
            output.Storage.Span[Off(output, i)] = a.Storage.Span[Off(a, i)] * bb.Storage.Span[Off(bb, i)];
        }
    }

    public void Scale(TensorView input, float scale, TensorView output)
    {
        for (int i = 0; i < input.Length; i++)
        {
            output.Storage.Span[Off(output, i)] = input.Storage.Span[Off(input, i)] * scale;
        }
    }

    public void Copy(TensorView source, TensorView destination)
    {
        Check(source.Shape == destination.Shape, source, destination);
        for (int i = 0; i < source.Length; i++)
        {
            destination.Storage.Span[Off(destination, i)] = source.Storage.Span[Off(source, i)];
        }
    }

    public void UpsampleNearest(TensorView input, TensorView output)
    {
        int n = output.Dim(0), c = output.Dim(1), h = output.Dim(2), w = output.Dim(3);
        int hi = input.Dim(2), wi = input.Dim(3);
        for (int b = 0; b < n; b++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int y = 0; y < h; y++)
                {
                    for (int x = 0; x < w; x++)
                    {
                        output[b, ch, y, x] = input[b, ch, Nearest(y, hi, h), Nearest(x, wi, w)];
                    }
                }
            }
        }
    }

    public void Concat(ReadOnlySpan<TensorView> inputs, int axis, TensorView output)
    {
        int start = 0;
        foreach (var input in inputs)
        {
            Copy(input, output.Slice(axis, start, input.Dim(axis)));
            start += input.Dim(axis);
        }
    }

    public void Embedding(TensorView table, ReadOnlySpan<int> ids, TensorView output)
    {
        int d = table.Dim(1);
        for (int r = 0; r < ids.Length; r++)
        {
            if ((uint)ids[r] >= (uint)table.Dim(0))
            {
                throw new ArgumentOutOfRangeException(nameof(ids), $"Id {ids[r]} is outside the table of {table.Dim(0)} rows.");
            }

            for (int i = 0; i < d; i++)
            {
                output[r, i] = table[ids[r], i];
            }
        }
    }

    public void TimestepEmbedding(ReadOnlySpan<float> timesteps, TensorView output, bool flipSinToCos, float downscaleFreqShift, float scale = 1f, float maxPeriod = 10000f)
    {
        int dim = output.Dim(1), half = dim / 2;
        for (int t = 0; t < timesteps.Length; t++)
        {
            for (int i = 0; i < half; i++)
            {
                // float32 throughout, in torch's order: exponent, exp, product with the timestep, scale.
                float exponent = -MathF.Log(maxPeriod) * i / (half - downscaleFreqShift);
                float arg = timesteps[t] * MathF.Exp(exponent) * scale;
                output[t, flipSinToCos ? half + i : i] = MathF.Sin(arg);
                output[t, flipSinToCos ? i : half + i] = MathF.Cos(arg);
            }

            if (dim % 2 == 1)
            {
                output[t, dim - 1] = 0;
            }
        }
    }

    private static void Store(TensorView output, int linear, int channel, float product, in GemmEpilogue epilogue)
    {
        float y = product * epilogue.Alpha;
        if (!epilogue.Bias.IsNone)
        {
            y += epilogue.Bias[channel];
        }

        y = Apply(y, epilogue.Activation);
        if (!epilogue.Residual.IsNone)
        {
            y += epilogue.Residual.Storage.Span[Off(epilogue.Residual, linear)];
        }

        output.Storage.Span[Off(output, linear)] = y;
    }

    private static float Apply(float x, Activation activation) => activation switch
    {
        Activation.None => x,
        Activation.Relu => Math.Max(x, 0),
        Activation.Silu => (float)(x / (1 + Math.Exp(-x))),
        Activation.Gelu => (float)(0.5 * x * (1 + Erf(x / Math.Sqrt(2)))),
        Activation.GeluTanh => (float)(0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + (0.044715 * x * x * x))))),
        Activation.QuickGelu => (float)(x / (1 + Math.Exp(-1.702 * x))),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    // Abramowitz-Stegun 7.1.26 is too coarse for 1e-6 checks; this series/continued-fraction pair is accurate to ~1e-15.
    private static double Erf(double x)
    {
        double ax = Math.Abs(x);
        double r;
        if (ax < 2.5)
        {
            double term = ax, sum = ax, x2 = ax * ax;
            for (int n = 1; n < 60; n++)
            {
                term *= -x2 / n;
                sum += term / ((2 * n) + 1);
            }

            r = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            // erfc continued fraction (Lentz), convergent for large arguments.
            double f = 0;
            for (int n = 60; n >= 1; n--)
            {
                f = n / 2.0 / (ax + f);
            }

            r = 1 - (Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / (ax + f));
        }

        return x < 0 ? -r : r;
    }

    // The storage offset of the element at row-major position `linear` of the view.
    // PyTorch's interpolate(mode="nearest") source index: floor(o * in / out) with the ratio in float32, clamped.
    private static int Nearest(int o, int input, int output) => Math.Min((int)MathF.Floor(o * ((float)input / output)), input - 1);

    private static int Off(TensorView view, int linear)
    {
        if (view.IsContiguous)
        {
            return view.Offset + linear;
        }

        int offset = view.Offset;
        for (int d = view.Rank - 1; d >= 0; d--)
        {
            int size = view.Shape[d];
            offset += linear % size * view.Strides[d];
            linear /= size;
        }

        return offset;
    }

    private static void Check(bool ok, TensorView a, TensorView b)
    {
        if (!ok)
        {
            throw new ArgumentException($"Shapes {a.Shape} and {b.Shape} do not fit.");
        }
    }

    private sealed class Packed(TensorView matrix) : PackedMatrix
    {
        public TensorView Matrix { get; } = matrix;

        public override int K => Matrix.Dim(0);

        public override int N => Matrix.Dim(1);

        public override string Device => DeviceName;

        // It reads the adopted weights in place; nothing more is held.
        public override long ByteCount => 0;
    }

    private sealed class PackedConv(TensorView weight, Conv2dGeometry geometry) : PackedConv2d
    {
        public TensorView Weight { get; } = weight;

        public override int OutChannels => Weight.Dim(0);

        public override int InChannels => Weight.Dim(1) * Geometry.Groups;

        public override int KernelH => Weight.Dim(2);

        public override int KernelW => Weight.Dim(3);

        public override Conv2dGeometry Geometry { get; } = geometry;

        public override string Device => DeviceName;

        public override long ByteCount => 0;
    }

    /// <summary>The reference device's memory (host memory underneath, with its own device name).</summary>
    internal sealed class ReferenceStorage(ReferenceBackend owner, float[] elements) : TensorStorage, IDisposable
    {
        private int _disposed;

        public override int Length => elements.Length;

        public override string Device => DeviceName;

        public override Span<float> Span => elements;

        public override Memory<float> Memory => elements;

        // Device memory is freed when its owner disposes it, as an accelerator's would be.
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Add(ref owner._liveBytes, -(long)elements.Length * sizeof(float));
            }
        }
    }
}
