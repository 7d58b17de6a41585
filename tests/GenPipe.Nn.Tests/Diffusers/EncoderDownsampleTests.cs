using GenPipe.Nn.Blocks;
using GenPipe.Nn.Layers;
using GenPipe.Tensors;
using Shouldly;
using Xunit;

namespace GenPipe.Nn.Tests.Diffusers;

/// <summary>
/// Downsample2D with padding 0, the VAE encoder's: the same as an unpadded stride-2 convolution of the input with one
/// zero row appended below and one zero column on the right (diffusers' <c>F.pad(x, (0, 1, 0, 1))</c>), at even and
/// odd sizes, and still after a larger input has used the padded buffer.
/// </summary>
public sealed class EncoderDownsampleTests
{
    public static IEnumerable<object[]> Backends() => TestBackends.Names();

    [Theory]
    [MemberData(nameof(Backends))]
    public void Padding_zero_pads_bottom_right_then_convolves(string backend)
    {
        var weights = new Dictionary<string, Tensor>
        {
            ["conv.weight"] = Ramp(0.01f, 4, 3, 3, 3),
            ["conv.bias"] = Ramp(0.1f, 4),
        };
        var down = new Downsample2D(3, 4, padding: 0);
        down.LoadWeights(new DictionaryWeightSource(weights), TestBackends.Get(backend));
        var plain = new Conv2d(3, 4, 3, stride: 2, padding: 0);
        plain.LoadWeights(new DictionaryWeightSource(new Dictionary<string, Tensor> { ["weight"] = weights["conv.weight"], ["bias"] = weights["conv.bias"] }), TestBackends.Get(backend));

        foreach (var (h, w) in new[] { (6, 6), (7, 5), (10, 12), (6, 6) })
        {
            var input = Ramp(0.05f, 2, 3, h, w);
            var output = down.Forward(input);
            output.Shape.ToArray().ShouldBe([2, 4, ((h + 1 - 3) / 2) + 1, ((w + 1 - 3) / 2) + 1]);
            output.ToArray().ShouldBe(plain.Forward(PadBottomRight(input)).ToArray(), $"{h}x{w}");
        }
    }

    private static Tensor PadBottomRight(Tensor x)
    {
        int n = x.Dim(0), c = x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        var padded = Tensor.Zeros(n, c, h + 1, w + 1);
        for (int b = 0; b < n; b++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int y = 0; y < h; y++)
                {
                    for (int xx = 0; xx < w; xx++)
                    {
                        padded[b, ch, y, xx] = x[b, ch, y, xx];
                    }
                }
            }
        }

        return padded;
    }

    // Deterministic values of both signs, none zero, so a missed or shifted border would show.
    private static Tensor Ramp(float step, params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        for (int i = 0; i < t.Length; i++)
        {
            t.Span[i] = (((i * 7) % 13) - 6.5f) * step;
        }

        return t;
    }
}
