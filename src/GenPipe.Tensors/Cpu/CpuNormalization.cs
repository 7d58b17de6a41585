using System.Runtime.CompilerServices;
using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Cpu.Kernels;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu;

/// <summary>
/// Group and layer normalization. Statistics use the shifted-data formulas (sums of x - k and (x - k)^2 with k an
/// element of the group, so no catastrophic cancellation when the mean is large) with float lanes per block and double
/// across blocks; the normalization pass applies gamma, beta and a fused activation in the same sweep.
/// </summary>
internal static class CpuNormalization
{
    [ThreadStatic]
    private static GroupNormJob? t_groupNorm;

    [ThreadStatic]
    private static LayerNormJob? t_layerNorm;

    public static void GroupNorm(TensorView input, int groups, TensorView gamma, TensorView beta, float epsilon, TensorView output, Activation activation, CpuWorkers workers)
    {
        ShapeChecks.NotNone(input, nameof(input));
        ShapeChecks.SameShape(input, output, "GroupNorm", nameof(output));
        ShapeChecks.KnownActivation(activation);
        if (input.Rank < 2)
        {
            throw new ArgumentException($"GroupNorm: input {input.Shape} must be [N, C, ...].", nameof(input));
        }

        int channels = input.Dim(1);
        if (groups < 1 || channels % groups != 0)
        {
            throw new ArgumentException($"GroupNorm: {channels} channels of {input.Shape} do not split into {groups} groups.", nameof(groups));
        }

        CheckChannelVector(gamma, channels, "GroupNorm", nameof(gamma));
        CheckChannelVector(beta, channels, "GroupNorm", nameof(beta));
        ShapeChecks.Contiguous(output, "GroupNorm", nameof(output));

        // Each channel's spatial extent must be one dense run; batch and channel strides are free.
        int spatial = 1;
        long expected = 1;
        for (int d = input.Rank - 1; d >= 2; d--)
        {
            if (input.Dim(d) != 1 && input.Stride(d) != expected)
            {
                throw new ArgumentException(
                    $"GroupNorm: input {input.Shape} with strides {input.Strides} must be dense over its spatial axes.", nameof(input));
            }

            expected *= input.Dim(d);
            spatial *= input.Dim(d);
        }

        long items = (long)input.Dim(0) * groups;
        if (items == 0 || spatial == 0)
        {
            return;
        }

        var job = t_groupNorm ??= new GroupNormJob();
        job.Input = input;
        job.Output = output;
        job.Gamma = gamma;
        job.Beta = beta;
        job.Groups = groups;
        job.Spatial = spatial;
        job.Epsilon = epsilon;
        job.Activation = activation;
        // One chunk per (sample, group) when it is worth going parallel: groups are few and equal, claimed dynamically.
        bool parallel = Chunking.Count(items, (long)spatial * (channels / groups) * 3, workers.Threads) > 1;
        job.Chunks = parallel ? (int)items : 1;
        try
        {
            workers.For(job.Chunks, job);
        }
        finally
        {
            job.Input = job.Output = job.Gamma = job.Beta = default;
        }
    }

    public static void LayerNorm(TensorView input, TensorView gamma, TensorView beta, float epsilon, TensorView output, CpuWorkers workers)
    {
        ShapeChecks.NotNone(input, nameof(input));
        ShapeChecks.SameShape(input, output, "LayerNorm", nameof(output));
        if (input.Rank == 0)
        {
            throw new ArgumentException("LayerNorm needs at least one axis.", nameof(input));
        }

        int width = input.Dim(-1);
        CheckChannelVector(gamma, width, "LayerNorm", nameof(gamma));
        if (!beta.IsNone)
        {
            CheckChannelVector(beta, width, "LayerNorm", nameof(beta));
        }

        ShapeChecks.UnitLastStride(input, "LayerNorm", nameof(input));
        ShapeChecks.Contiguous(output, "LayerNorm", nameof(output));
        var layout = RunLayout.Create(input.Shape.With(-1, 1), input.Strides, output.Strides, output.Strides);
        long rows = layout.Runs * layout.Run;
        if (rows == 0 || width == 0)
        {
            return;
        }

        var job = t_layerNorm ??= new LayerNormJob();
        job.Input = input;
        job.Output = output;
        job.Gamma = gamma;
        job.Beta = beta;
        job.Layout = layout;
        job.Width = width;
        job.Epsilon = epsilon;
        job.Chunks = Chunking.Count(rows, width * 3L, workers.Threads);
        try
        {
            workers.For(job.Chunks, job);
        }
        finally
        {
            job.Input = job.Output = job.Gamma = job.Beta = default;
        }
    }

    private static void CheckChannelVector(TensorView vector, int length, string what, string name)
    {
        ShapeChecks.NotNone(vector, name);
        if (vector.Rank != 1 || vector.Dim(0) != length || (length > 1 && vector.Stride(0) != 1))
        {
            throw new ArgumentException($"{what}: {name} is {vector.Shape} (strides {vector.Strides}); a dense [{length}] is required.", name);
        }
    }

    private sealed class GroupNormJob : IParallelWork
    {
        public TensorView Input;
        public TensorView Output;
        public TensorView Gamma;
        public TensorView Beta;
        public int Groups;
        public int Spatial;
        public float Epsilon;
        public Activation Activation;
        public int Chunks;

        public void Execute(int index)
        {
            long items = (long)Input.Dim(0) * Groups;
            var (start, end) = Chunking.Range(items, Chunks, index);
            for (long item = start; item < end; item++)
            {
                switch (Activation)
                {
                    case Activation.None: Group<IdentityOp>(item); break;
                    case Activation.Relu: Group<ReluOp>(item); break;
                    case Activation.Silu: Group<SiluOp>(item); break;
                    case Activation.Gelu: Group<GeluOp>(item); break;
                    case Activation.GeluTanh: Group<GeluTanhOp>(item); break;
                    default: Group<QuickGeluOp>(item); break;
                }
            }
        }

        private void Group<TOp>(long item)
            where TOp : struct, IVectorOp
        {
            int n = (int)(item / Groups), g = (int)(item % Groups);
            int perGroup = Input.Dim(1) / Groups;
            int c0 = g * perGroup;
            int strideC = Input.Stride(1);
            ref float x = ref Unsafe.Add(ref Input.Origin, (n * Input.Stride(0)) + (c0 * strideC));
            ref float y = ref Unsafe.Add(ref Output.Origin, ((n * Input.Dim(1)) + c0) * Spatial);

            float shift = x;
            double sum = 0, squares = 0;
            for (int c = 0; c < perGroup; c++)
            {
                RowMath.ShiftedSums(ref Unsafe.Add(ref x, c * strideC), Spatial, shift, ref sum, ref squares);
            }

            double count = (double)perGroup * Spatial;
            double meanShifted = sum / count;
            double variance = Math.Max(0, (squares / count) - (meanShifted * meanShifted));
            double mean = shift + meanShifted;
            double rstd = 1 / Math.Sqrt(variance + Epsilon);

            ref float gamma = ref Gamma.Origin;
            ref float beta = ref Beta.Origin;
            for (int c = 0; c < perGroup; c++)
            {
                float scale = (float)(Unsafe.Add(ref gamma, c0 + c) * rstd);
                float offset = (float)(Unsafe.Add(ref beta, c0 + c) - (mean * Unsafe.Add(ref gamma, c0 + c) * rstd));
                RowMath.ScaleShift<TOp>(ref Unsafe.Add(ref x, c * strideC), ref Unsafe.Add(ref y, c * Spatial), Spatial, scale, offset);
            }
        }
    }

    private sealed class LayerNormJob : IParallelWork
    {
        public TensorView Input;
        public TensorView Output;
        public TensorView Gamma;
        public TensorView Beta;
        public RunLayout Layout;
        public int Width;
        public float Epsilon;
        public int Chunks;

        public void Execute(int index)
        {
            long rows = Layout.Runs * Layout.Run;
            var (start, end) = Chunking.Range(rows, Chunks, index);
            ref float x0 = ref Input.Origin;
            ref float y0 = ref Output.Origin;
            ref float gamma = ref Gamma.Origin;
            bool hasBeta = !Beta.IsNone;
            ref float beta = ref hasBeta ? ref Beta.Origin : ref gamma;
            int run = Layout.Run;
            for (long r = start; r < end; r++)
            {
                Layout.Offsets(r / run, out int ox, out int oy, out _);
                int within = (int)(r % run);
                ref float x = ref Unsafe.Add(ref x0, ox + (within * Layout.InnerA));
                ref float y = ref Unsafe.Add(ref y0, oy + (within * Layout.InnerB));
                double sum = 0, squares = 0;
                float shift = x;
                RowMath.ShiftedSums(ref x, Width, shift, ref sum, ref squares);
                double meanShifted = sum / Width;
                double variance = Math.Max(0, (squares / Width) - (meanShifted * meanShifted));
                float mean = (float)(shift + meanShifted);
                float rstd = (float)(1 / Math.Sqrt(variance + Epsilon));
                RowMath.NormalizeAffine(ref x, ref y, ref gamma, ref beta, hasBeta, Width, mean, rstd);
            }
        }
    }
}
