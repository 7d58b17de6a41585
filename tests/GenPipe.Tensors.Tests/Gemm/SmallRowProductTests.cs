using GenPipe.Tensors.Backends;
using Xunit;
using static GenPipe.Tensors.Tests.Gemm.KernelTestSupport;

namespace GenPipe.Tensors.Tests.Gemm;

/// Products of fewer rows than a register tile (a decode step has one per sequence) take their own kernels: every row
/// count, several depth blocks, a partial column panel, the fused epilogue, and A read in place, strided or transposed.
[Collection(KernelTestSupport.Collection)]
public sealed class SmallRowProductTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(7)] // one full tile and one row
    public void Few_rows_match_a_double_precision_reference(int rows)
    {
        const int K = 1100, N = 100; // three depth blocks; one whole panel of 64 columns and a partial one of 36
        var a = Random(10 + rows, rows, K);
        var b = Random(20, K, N);
        var bias = Random(30, N);
        var residual = Random(40, rows, N);
        var expected = Reference(a.View, b.View, bias.View, residual.View);

        var plain = Tensor.Zeros(rows, N);
        Backend.MatMul(a, b, plain, new GemmEpilogue(bias.View, Activation.None, residual.View));
        ShouldMatch(plain.View, expected, $"{rows} rows, B unpacked");

        var packed = Tensor.Zeros(rows, N);
        Backend.MatMul(a, Backend.PackMatrix(b), packed, new GemmEpilogue(bias.View, Activation.None, residual.View));
        ShouldMatch(packed.View, expected, $"{rows} rows, B packed");
    }

    [Fact]
    public void Strided_and_transposed_rows_give_the_same_result_as_dense_ones()
    {
        const int K = 300, N = 70;
        var wide = Random(50, 3, K + 20);
        var strided = wide.View.Slice(1, 5, K); // rows 320 floats apart
        var transposedStore = Random(51, K, 3);
        var transposed = transposedStore.View.Transpose(0, 1); // [3, K], column stride 3
        var b = Random(52, K, N);
        foreach (var (a, what) in new[] { (strided, "strided rows"), (transposed, "transposed A") })
        {
            var expected = Reference(a, b.View, default, default);
            var output = Tensor.Zeros(3, N);
            Backend.MatMul(a, b, output, GemmEpilogue.None);
            ShouldMatch(output.View, expected, what);
        }
    }

    private static float[] Reference(TensorView a, TensorView b, TensorView bias, TensorView residual)
    {
        int m = a.Dim(0), k = a.Dim(1), n = b.Dim(1);
        var result = new float[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = bias.IsNone ? 0 : bias[j];
                for (int p = 0; p < k; p++)
                {
                    sum += (double)a[i, p] * b[p, j];
                }

                result[(i * n) + j] = (float)(sum + (residual.IsNone ? 0 : residual[i, j]));
            }
        }

        return result;
    }
}
