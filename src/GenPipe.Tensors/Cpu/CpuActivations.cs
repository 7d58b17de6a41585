using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Cpu.Kernels;

namespace GenPipe.Tensors.Cpu;

/// <summary>Elementwise activations on contiguous runs (standalone and in the fused epilogues of other kernels).</summary>
internal static class CpuActivations
{
    /// <summary>Applies the activation in place to a contiguous run of values.</summary>
    public static void Apply(Span<float> values, Activation activation) => Apply(values, values, activation);

    /// <summary><c>destination = activation(source)</c>; the spans may be the same memory.</summary>
    public static void Apply(ReadOnlySpan<float> source, Span<float> destination, Activation activation)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException($"Destination holds {destination.Length} elements; the source has {source.Length}.", nameof(destination));
        }

        switch (activation)
        {
            case Activation.None:
                source.CopyTo(destination); // a no-op move when they are the same memory
                break;
            case Activation.Relu:
                VectorMap.Run<ReluOp>(source, destination);
                break;
            case Activation.Silu:
                VectorMap.Run<SiluOp>(source, destination);
                break;
            case Activation.Gelu:
                VectorMap.Run<GeluOp>(source, destination);
                break;
            case Activation.GeluTanh:
                VectorMap.Run<GeluTanhOp>(source, destination);
                break;
            case Activation.QuickGelu:
                VectorMap.Run<QuickGeluOp>(source, destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }
}
