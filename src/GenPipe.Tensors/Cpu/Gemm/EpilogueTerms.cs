using System.Numerics.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Tensors.Cpu.Gemm;

/// The epilogue of one output matrix as raw pointers: C = activation(alpha * C + bias) + residual, applied to each
/// register tile right after its last depth block, while the tile is still in L1.
internal unsafe struct EpilogueTerms
{
    public float Alpha;

    /// N values (one per column) or M values (one per row, <see cref="BiasPerRow"/>), or null.
    public float* Bias;

    public bool BiasPerRow;

    public Activation Activation;

    /// Same shape as C with unit column stride, or null.
    public float* Residual;

    public nint ResidualRowStride;

    public readonly bool Any => Alpha != 1f || Bias != null || Activation != Activation.None || Residual != null;

    /// Applies the epilogue to rows i..i+rows, columns j..j+cols of C.
    public readonly void Apply(float* c, nint ldc, int i, int j, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            var values = new Span<float>(c + ((i + r) * ldc) + j, cols);
            if (Bias == null)
            {
                if (Alpha != 1f)
                {
                    TensorPrimitives.Multiply(values, Alpha, values);
                }
            }
            else if (BiasPerRow)
            {
                float bias = Bias[i + r];
                if (Alpha != 1f)
                {
                    TensorPrimitives.Multiply(values, Alpha, values);
                }

                TensorPrimitives.Add(values, bias, values);
            }
            else
            {
                var bias = new ReadOnlySpan<float>(Bias + j, cols);
                if (Alpha != 1f)
                {
                    TensorPrimitives.MultiplyAdd(values, Alpha, bias, values);
                }
                else
                {
                    TensorPrimitives.Add(values, bias, values);
                }
            }

            if (Activation != Activation.None)
            {
                CpuActivations.Apply(values, Activation);
            }

            if (Residual != null)
            {
                TensorPrimitives.Add(values, new ReadOnlySpan<float>(Residual + ((i + r) * ResidualRowStride) + j, cols), values);
            }
        }
    }
}
