using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Cpu.Kernels;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu;

/// <summary>
/// Elementwise kernels over any strided inputs: the views are merged into runs along the innermost dimension
/// (<see cref="RunLayout"/>), contiguous runs go through <see cref="TensorPrimitives"/> or the activation loops, and
/// the runs are spread over the workers when the tensor is large.
/// </summary>
internal static class CpuElementwise
{
    [ThreadStatic]
    private static ElementwiseJob? t_job;

    private enum Operation
    {
        Activate,
        Add,
        Multiply,
        Scale,
        Affine,
        Clamp,
        Exp,
    }

    public static void Activate(TensorView input, TensorView output, Activation activation, CpuWorkers workers)
    {
        ShapeChecks.NotNone(input, nameof(input));
        ShapeChecks.SameShape(input, output, "Activate", nameof(output));
        ShapeChecks.KnownActivation(activation);
        Run(Operation.Activate, input, input, output, activation, 0f, workers);
    }

    public static void Add(TensorView a, TensorView b, TensorView output, CpuWorkers workers) =>
        Binary(Operation.Add, "Add", a, b, output, workers);

    public static void Multiply(TensorView a, TensorView b, TensorView output, CpuWorkers workers) =>
        Binary(Operation.Multiply, "Multiply", a, b, output, workers);

    public static void Scale(TensorView input, float scale, TensorView output, CpuWorkers workers)
    {
        ShapeChecks.NotNone(input, nameof(input));
        ShapeChecks.SameShape(input, output, "Scale", nameof(output));
        Run(Operation.Scale, input, input, output, Activation.None, scale, workers);
    }

    public static void Affine(TensorView input, float scale, float shift, TensorView output, CpuWorkers workers)
    {
        ShapeChecks.NotNone(input, nameof(input));
        ShapeChecks.SameShape(input, output, "Affine", nameof(output));
        Run(Operation.Affine, input, input, output, Activation.None, scale, workers, shift);
    }

    public static void Clamp(TensorView input, float min, float max, TensorView output, CpuWorkers workers)
    {
        ShapeChecks.NotNone(input, nameof(input));
        ShapeChecks.SameShape(input, output, "Clamp", nameof(output));
        if (!(min <= max))
        {
            throw new ArgumentException($"Clamp: min {min} must not exceed max {max}.", nameof(min));
        }

        Run(Operation.Clamp, input, input, output, Activation.None, min, workers, max);
    }

    public static void Exp(TensorView input, float scale, TensorView output, CpuWorkers workers)
    {
        ShapeChecks.NotNone(input, nameof(input));
        ShapeChecks.SameShape(input, output, "Exp", nameof(output));
        Run(Operation.Exp, input, input, output, Activation.None, scale, workers);
    }

    private static void Binary(Operation operation, string what, TensorView a, TensorView b, TensorView output, CpuWorkers workers)
    {
        ShapeChecks.NotNone(a, nameof(a));
        ShapeChecks.NotNone(b, nameof(b));
        ShapeChecks.SameShape(a, output, what, nameof(output));
        TensorView broadcast;
        try
        {
            broadcast = b.BroadcastTo(a.Shape);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"{what}: b {b.Shape} does not broadcast to a {a.Shape}: {ex.Message}", nameof(b), ex);
        }

        Run(operation, a, broadcast, output, Activation.None, 0f, workers);
    }

    private static void Run(
        Operation operation, TensorView a, TensorView b, TensorView output, Activation activation, float scalar, CpuWorkers workers, float scalar2 = 0f)
    {
        var layout = RunLayout.Create(output.Shape, a.Strides, b.Strides, output.Strides);
        if (layout.Runs == 0)
        {
            return;
        }

        var job = t_job ??= new ElementwiseJob();
        job.Operation = operation;
        job.Activation = activation;
        job.Scalar = scalar;
        job.Scalar2 = scalar2;
        job.A = a;
        job.B = b;
        job.Output = output;
        job.Layout = layout;
        job.Chunks = Chunking.Count(layout.Runs, layout.Run, workers.Threads);
        try
        {
            workers.For(job.Chunks, job);
        }
        finally
        {
            job.A = job.B = job.Output = default; // do not keep the caller's storage alive
        }
    }

    private sealed class ElementwiseJob : IParallelWork
    {
        public Operation Operation;
        public Activation Activation;
        public float Scalar;
        public float Scalar2;
        public TensorView A;
        public TensorView B;
        public TensorView Output;
        public RunLayout Layout;
        public int Chunks;

        public void Execute(int index)
        {
            var (start, end) = Chunking.Range(Layout.Runs, Chunks, index);
            ref float a = ref A.Origin;
            ref float b = ref B.Origin;
            ref float c = ref Output.Origin;
            int run = Layout.Run;
            int ia = Layout.InnerA, ib = Layout.InnerB, ic = Layout.InnerC;
            for (long r = start; r < end; r++)
            {
                Layout.Offsets(r, out int oa, out int ob, out int oc);
                ref float ra = ref Unsafe.Add(ref a, oa);
                ref float rb = ref Unsafe.Add(ref b, ob);
                ref float rc = ref Unsafe.Add(ref c, oc);
                if (ia == 1 && ic == 1)
                {
                    ContiguousRun(MemoryMarshal.CreateReadOnlySpan(ref ra, run), ref rb, ib, MemoryMarshal.CreateSpan(ref rc, run));
                }
                else
                {
                    StridedRun(ref ra, ia, ref rb, ib, ref rc, ic, run);
                }
            }
        }

        private void ContiguousRun(ReadOnlySpan<float> a, ref float b, int strideB, Span<float> c)
        {
            switch (Operation)
            {
                case Operation.Activate:
                    CpuActivations.Apply(a, c, Activation);
                    return;
                case Operation.Scale:
                    TensorPrimitives.Multiply(a, Scalar, c);
                    return;
                case Operation.Affine:
                    TensorPrimitives.Multiply(a, Scalar, c);
                    TensorPrimitives.Add(c, Scalar2, c);
                    return;
                case Operation.Clamp:
                    // Max then Min, both NaN-propagating, is torch.clamp's result including for NaN.
                    TensorPrimitives.Max(a, Scalar, c);
                    TensorPrimitives.Min(c, Scalar2, c);
                    return;
                case Operation.Exp:
                    // Two passes keep torch's rounding of the product before the exponential.
                    TensorPrimitives.Multiply(a, Scalar, c);
                    TensorPrimitives.Exp(c, c);
                    return;
            }

            if (strideB == 0)
            {
                if (Operation == Operation.Add)
                {
                    TensorPrimitives.Add(a, b, c);
                }
                else
                {
                    TensorPrimitives.Multiply(a, b, c);
                }
            }
            else if (strideB == 1)
            {
                var bs = MemoryMarshal.CreateReadOnlySpan(ref b, a.Length);
                if (Operation == Operation.Add)
                {
                    TensorPrimitives.Add(a, bs, c);
                }
                else
                {
                    TensorPrimitives.Multiply(a, bs, c);
                }
            }
            else
            {
                StridedRun(ref MemoryMarshal.GetReference(a), 1, ref b, strideB, ref MemoryMarshal.GetReference(c), 1, a.Length);
            }
        }

        private void StridedRun(ref float a, int strideA, ref float b, int strideB, ref float c, int strideC, int n)
        {
            for (int i = 0; i < n; i++)
            {
                float x = Unsafe.Add(ref a, i * strideA);
                float y = Unsafe.Add(ref b, i * strideB);
                float result = Operation switch
                {
                    Operation.Add => x + y,
                    Operation.Multiply => x * y,
                    Operation.Scale => x * Scalar,
                    Operation.Affine => (x * Scalar) + Scalar2,
                    Operation.Clamp => Math.Clamp(x, Scalar, Scalar2), // NaN fails both comparisons and stays NaN
                    Operation.Exp => MathF.Exp(x * Scalar),
                    _ => x,
                };
                Unsafe.Add(ref c, i * strideC) = result;
            }

            if (Operation == Operation.Activate && Activation != Activation.None)
            {
                if (strideC == 1)
                {
                    // The gathered run is dense in the output: activate it there in one vector pass.
                    CpuActivations.Apply(MemoryMarshal.CreateSpan(ref c, n), Activation);
                    return;
                }

                Span<float> one = stackalloc float[1];
                for (int i = 0; i < n; i++)
                {
                    one[0] = Unsafe.Add(ref c, i * strideC);
                    CpuActivations.Apply(one, Activation);
                    Unsafe.Add(ref c, i * strideC) = one[0];
                }
            }
        }
    }
}
