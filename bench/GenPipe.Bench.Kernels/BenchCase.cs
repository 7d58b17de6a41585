using GenPipe.Tensors;
using GenPipe.Tensors.SafeTensors;

namespace GenPipe.Bench.Kernels;

/// <summary>
/// One side-by-side case: set up from the file the Python side wrote (inputs, weights and PyTorch's output), run it
/// repeatedly, and compare the result with PyTorch's.
/// </summary>
internal abstract class BenchCase
{
    /// <summary>Runs the work once; must allocate nothing after the first call.</summary>
    public abstract void Run();

    /// <summary>GenPipe's result of the last <see cref="Run"/>.</summary>
    public abstract TensorView Output { get; }

    /// <summary>PyTorch's result for the same inputs.</summary>
    public abstract Tensor Expected { get; }

    /// <summary>Floating-point operations per run, when the case wants to override the Python side's count.</summary>
    public virtual double? Flops => null;

    /// <summary>max |genpipe - torch| / max |torch|.</summary>
    public double MaxRelativeError()
    {
        float[] actual = Output.ToArray();
        float[] expected = Expected.View.ToArray();
        if (actual.Length != expected.Length)
        {
            return double.PositiveInfinity;
        }

        double worst = 0, scale = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs((double)actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs((double)expected[i]));
        }

        return worst / Math.Max(scale, 1e-30);
    }

    /// <summary>Creates the case of <paramref name="kind"/> from its file.</summary>
    public static BenchCase Create(string kind, SafeTensorsFile file) => kind switch
    {
        "gemm" => new GemmCase(file),
        "conv3x3" => new Conv3x3Case(file),
        "attention" => new AttentionCase(file),
        "groupnorm_silu" => new GroupNormSiluCase(file),
        "unet" => new UNetCase(file),
        _ => throw new InvalidDataException($"Unknown bench case kind '{kind}' in the case list."),
    };
}
