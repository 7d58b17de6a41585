using System.Diagnostics;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Bench.Sd15;

/// <summary>
/// An <see cref="ITensorBackend"/> that forwards every kernel to another backend and adds its wall time to a line per
/// kernel kind and shape (<c>conv3x3 320->320 64x64</c>, <c>attention 8h 4096x4096x40</c>), with the floating-point
/// operations of the products, so that a model's forward can be split into where its time goes.
/// </summary>
internal sealed class ProfilingBackend(ITensorBackend inner) : ITensorBackend
{
    private readonly Dictionary<string, ProfileLine> _lines = new(StringComparer.Ordinal);

    /// <summary>The lines recorded since the last <see cref="Reset"/>.</summary>
    public IReadOnlyCollection<ProfileLine> Lines => _lines.Values;

    /// <inheritdoc />
    public string Device => inner.Device;

    /// <summary>Forgets every recorded line.</summary>
    public void Reset() => _lines.Clear();

    /// <inheritdoc />
    public TensorStorage Allocate(int length) => inner.Allocate(length);

    /// <inheritdoc />
    public Tensor Adopt(Tensor weights) => inner.Adopt(weights);

    /// <inheritdoc />
    public PackedMatrix PackMatrix(TensorView b) => inner.PackMatrix(b);

    /// <inheritdoc />
    public PackedConv2d PackConv2d(TensorView weight, Conv2dGeometry geometry) => inner.PackConv2d(weight, geometry);

    /// <inheritdoc />
    public void MatMul(TensorView a, TensorView b, TensorView output, in GemmEpilogue epilogue)
    {
        long start = Stopwatch.GetTimestamp();
        inner.MatMul(a, b, output, epilogue);
        int k = a.Dim(-1);
        Record("matmul", $"matmul {Rows(output)}x{k}x{output.Dim(-1)}", start, 2.0 * output.Shape.Product * k);
    }

    /// <inheritdoc />
    public void MatMul(TensorView a, PackedMatrix b, TensorView output, in GemmEpilogue epilogue)
    {
        long start = Stopwatch.GetTimestamp();
        inner.MatMul(a, b, output, epilogue);
        Record("linear", $"linear {Rows(output)}x{b.K}x{b.N}", start, 2.0 * output.Shape.Product * b.K);
    }

    /// <inheritdoc />
    public void Conv2d(TensorView input, PackedConv2d weight, TensorView output, in GemmEpilogue epilogue)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Conv2d(input, weight, output, epilogue);
        string kind = $"conv{weight.KernelH}x{weight.KernelW}" + (weight.Geometry.StrideH > 1 ? "/2" : "");
        double flops = 2.0 * output.Shape.Product * weight.InChannels / weight.Geometry.Groups * weight.KernelH * weight.KernelW;
        Record(kind, $"{kind} {weight.InChannels}->{weight.OutChannels} {input.Dim(2)}x{input.Dim(3)} b{input.Dim(0)}", start, flops);
    }

    /// <inheritdoc />
    public void GroupNorm(TensorView input, int groups, TensorView gamma, TensorView beta, float epsilon, TensorView output, Activation activation = Activation.None)
    {
        long start = Stopwatch.GetTimestamp();
        inner.GroupNorm(input, groups, gamma, beta, epsilon, output, activation);
        Record("groupnorm", $"groupnorm{(activation == Activation.None ? "" : "+" + activation)} {input.Shape}", start, 0);
    }

    /// <inheritdoc />
    public void LayerNorm(TensorView input, TensorView gamma, TensorView beta, float epsilon, TensorView output)
    {
        long start = Stopwatch.GetTimestamp();
        inner.LayerNorm(input, gamma, beta, epsilon, output);
        Record("layernorm", $"layernorm {input.Shape}", start, 0);
    }

    /// <inheritdoc />
    public void Softmax(TensorView input, TensorView output)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Softmax(input, output);
        Record("softmax", $"softmax {input.Shape}", start, 0);
    }

    /// <inheritdoc />
    public void Attention(TensorView query, TensorView key, TensorView value, TensorView output, float scale, bool causal)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Attention(query, key, value, output, scale, causal);
        RecordAttention(query, key, start);
    }

    /// <inheritdoc />
    public void Attention(TensorView query, TensorView key, TensorView value, TensorView output, float scale, bool causal, ReadOnlySpan<int> keyStarts)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Attention(query, key, value, output, scale, causal, keyStarts);
        RecordAttention(query, key, start);
    }

    /// <inheritdoc />
    public void Activate(TensorView input, TensorView output, Activation activation) =>
        Time("elementwise", $"activate {activation} {input.Shape}", () => inner.Activate(input, output, activation));

    /// <inheritdoc />
    public void Add(TensorView a, TensorView b, TensorView output) => Time("elementwise", $"add {a.Shape}", () => inner.Add(a, b, output));

    /// <inheritdoc />
    public void Multiply(TensorView a, TensorView b, TensorView output) =>
        Time("elementwise", $"multiply {a.Shape}", () => inner.Multiply(a, b, output));

    /// <inheritdoc />
    public void Scale(TensorView input, float scale, TensorView output) =>
        Time("elementwise", $"scale {input.Shape}", () => inner.Scale(input, scale, output));

    /// <inheritdoc />
    public void Affine(TensorView input, float scale, float shift, TensorView output) =>
        Time("elementwise", $"affine {input.Shape}", () => inner.Affine(input, scale, shift, output));

    /// <inheritdoc />
    public void Clamp(TensorView input, float min, float max, TensorView output) =>
        Time("elementwise", $"clamp {input.Shape}", () => inner.Clamp(input, min, max, output));

    /// <inheritdoc />
    public void Exp(TensorView input, float scale, TensorView output) =>
        Time("elementwise", $"exp {input.Shape}", () => inner.Exp(input, scale, output));

    /// <inheritdoc />
    public void Copy(TensorView source, TensorView destination) =>
        Time("layout", $"copy {source.Shape}", () => inner.Copy(source, destination));

    /// <inheritdoc />
    public void UpsampleNearest(TensorView input, TensorView output) =>
        Time("layout", $"upsample {input.Shape}", () => inner.UpsampleNearest(input, output));

    /// <inheritdoc />
    public void Concat(ReadOnlySpan<TensorView> inputs, int axis, TensorView output)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Concat(inputs, axis, output);
        Record("layout", $"concat {output.Shape}", start, 0);
    }

    /// <inheritdoc />
    public void Embedding(TensorView table, ReadOnlySpan<int> ids, TensorView output)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Embedding(table, ids, output);
        Record("embedding", "embedding", start, 0);
    }

    /// <inheritdoc />
    public void TimestepEmbedding(ReadOnlySpan<float> timesteps, TensorView output, bool flipSinToCos, float downscaleFreqShift, float scale = 1f, float maxPeriod = 10000f)
    {
        long start = Stopwatch.GetTimestamp();
        inner.TimestepEmbedding(timesteps, output, flipSinToCos, downscaleFreqShift, scale, maxPeriod);
        Record("embedding", "timesteps", start, 0);
    }

    private void RecordAttention(TensorView query, TensorView key, long start)
    {
        int b = query.Dim(0), h = query.Dim(1), lq = query.Dim(2), d = query.Dim(3), lk = key.Dim(2);
        Record(lq == lk ? "attention (self)" : "attention (cross)", $"attention b{b} {h}h {lq}x{lk}x{d}", start, 4.0 * b * h * lq * lk * d);
    }

    private static long Rows(TensorView output) => output.Shape.Product / output.Dim(-1);

    private void Time(string kind, string detail, Action run)
    {
        long start = Stopwatch.GetTimestamp();
        run();
        Record(kind, detail, start, 0);
    }

    private void Record(string kind, string detail, long start, double flops)
    {
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (!_lines.TryGetValue(detail, out var line))
        {
            line = new ProfileLine(kind, detail);
            _lines[detail] = line;
        }

        line.Calls++;
        line.Milliseconds += ms;
        line.Flops += flops;
    }
}

/// <summary>One kernel kind at one shape: calls, total wall time and floating-point operations.</summary>
internal sealed class ProfileLine(string kind, string detail)
{
    /// <summary>The kernel family (<c>conv3x3</c>, <c>linear</c>, <c>attention (self)</c>, ...).</summary>
    public string Kind { get; } = kind;

    /// <summary>The kernel and shape.</summary>
    public string Detail { get; } = detail;

    /// <summary>Calls recorded.</summary>
    public int Calls { get; set; }

    /// <summary>Total wall time, ms.</summary>
    public double Milliseconds { get; set; }

    /// <summary>Total floating-point operations (0 for kernels that are not products).</summary>
    public double Flops { get; set; }
}
