using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Tests.Gemm;
using Xunit;
using static GenPipe.Tensors.Tests.Gemm.KernelTestSupport;

namespace GenPipe.Tensors.Tests.Conv;

/// The im2col packing copies image rows with vector loads where a whole window lies inside the row and steps one
/// element at a time near the padding; stride 1 and 2 over many row widths (shorter and longer than a vector, odd and
/// even, with and without padding) against a direct double-precision convolution.
[Collection(KernelTestSupport.Collection)]
public sealed class StridedImageRowTests
{
    [Theory]
    [InlineData(2, 0)]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    [InlineData(1, 1)]
    [InlineData(1, 0)]
    public void Rows_of_every_width_match_a_direct_convolution(int stride, int padding)
    {
        const int Cin = 3, Cout = 5, Height = 5;
        foreach (int width in new[] { 3, 7, 8, 9, 15, 16, 17, 18, 23, 31, 32, 33, 40, 47 })
        {
            var geometry = new Conv2dGeometry(stride, stride, padding, padding, 1, 1, 1);
            var x = Random(100 + width, 1, Cin, Height, width);
            var weight = Random(200 + width, Cout, Cin, 3, 3);
            int outH = ((Height + (2 * padding) - 3) / stride) + 1;
            int outW = ((width + (2 * padding) - 3) / stride) + 1;
            var output = Tensor.Zeros(1, Cout, outH, outW);
            Backend.Conv2d(x, Backend.PackConv2d(weight, geometry), output, GemmEpilogue.None);
            ShouldMatch(output, Direct(x.View, weight.View, stride, padding, outH, outW), $"width {width}, stride {stride}, padding {padding}");
        }
    }

    /// A direct convolution in double precision of every image of <paramref name="x"/> (no bias), as [N, Cout, outH, outW].
    internal static float[] Direct(TensorView x, TensorView w, int stride, int padding, int outH, int outW)
    {
        int images = x.Dim(0), cin = x.Dim(1), height = x.Dim(2), width = x.Dim(3), cout = w.Dim(0);
        var result = new float[images * cout * outH * outW];
        for (int n = 0; n < images; n++)
        {
            Direct(x, w, stride, padding, outH, outW, n, result.AsSpan(n * cout * outH * outW));
        }

        return result;
    }

    private static void Direct(TensorView x, TensorView w, int stride, int padding, int outH, int outW, int n, Span<float> result)
    {
        int cin = x.Dim(1), height = x.Dim(2), width = x.Dim(3), cout = w.Dim(0);
        for (int co = 0; co < cout; co++)
        {
            for (int oy = 0; oy < outH; oy++)
            {
                for (int ox = 0; ox < outW; ox++)
                {
                    double sum = 0;
                    for (int ci = 0; ci < cin; ci++)
                    {
                        for (int ky = 0; ky < 3; ky++)
                        {
                            for (int kx = 0; kx < 3; kx++)
                            {
                                int iy = (oy * stride) + ky - padding, ix = (ox * stride) + kx - padding;
                                if (iy >= 0 && iy < height && ix >= 0 && ix < width)
                                {
                                    sum += (double)x[n, ci, iy, ix] * w[co, ci, ky, kx];
                                }
                            }
                        }
                    }

                    result[(((co * outH) + oy) * outW) + ox] = (float)sum;
                }
            }
        }
    }
}
