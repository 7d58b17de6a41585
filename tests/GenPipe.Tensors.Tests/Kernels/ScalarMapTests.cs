using GenPipe.Tensors.Cpu;
using GenPipe.Tensors.Threading;
using Shouldly;
using Xunit;

namespace GenPipe.Tensors.Tests.Kernels;

/// <summary>
/// Affine, Clamp and Exp (the VAE posterior's and latent scaling's kernels) against float64 loops: contiguous and
/// strided inputs, in place, large enough to run in parallel, NaN handling and argument errors.
/// </summary>
public sealed class ScalarMapTests
{
    private static readonly CpuBackend Backend = new(new CpuWorkers(2));

    public static IEnumerable<object[]> Shapes()
    {
        yield return [new[] { 3, 17 }, false];
        yield return [new[] { 2, 8, 5, 7 }, true]; // a transposed view: no unit stride anywhere
        yield return [new[] { 4, 300, 100 }, false]; // large enough to go parallel
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Affine_is_input_times_scale_plus_shift(int[] shape, bool strided)
    {
        var input = Input(shape, strided);
        var output = Tensor.Zeros(input.Shape.ToArray());
        Backend.Affine(input, 0.18215f, -0.0609f, output);
        Expect(input, output, x => (x * 0.18215) - 0.0609, 2e-6); // |output| up to 9: a float32 ulp is 1e-6 there
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Clamp_limits_to_the_range(int[] shape, bool strided)
    {
        var input = Input(shape, strided);
        var output = Tensor.Zeros(input.Shape.ToArray());
        Backend.Clamp(input, -30f, 20f, output);
        Expect(input, output, x => Math.Clamp(x, -30, 20), 0);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Exp_is_exp_of_the_scaled_input(int[] shape, bool strided)
    {
        var input = Input(shape, strided);
        var output = Tensor.Zeros(input.Shape.ToArray());
        Backend.Exp(input, 0.05f, output);
        Expect(input, output, x => Math.Exp((float)(x * 0.05f)), 3e-7, relative: true); // Ramp spans ±50.5
    }

    [Fact]
    public void All_three_may_write_in_place()
    {
        var t = ElementwiseTests.Ramp(6, 9);
        float[] x = t.Span.ToArray();
        Backend.Affine(t, 0.5f, 1f, t);
        Backend.Clamp(t, -5f, 5f, t);
        Backend.Exp(t, 0.5f, t);
        for (int i = 0; i < x.Length; i++)
        {
            double expected = Math.Exp(Math.Clamp((x[i] * 0.5) + 1, -5, 5) * 0.5);
            t.Span[i].ShouldBe((float)expected, 1e-6 * expected);
        }
    }

    [Fact]
    public void Clamp_keeps_nan_and_exp_saturates_as_float32()
    {
        var t = Tensor.FromSpan([float.NaN, -200f, 100f, float.NegativeInfinity], 4);
        var clamped = Tensor.Zeros(4);
        Backend.Clamp(t, -30f, 20f, clamped);
        float.IsNaN(clamped.Span[0]).ShouldBeTrue();
        clamped.Span[1..].ToArray().ShouldBe([-30f, 20f, -30f]);

        var exp = Tensor.Zeros(4);
        Backend.Exp(t, 1f, exp);
        float.IsNaN(exp.Span[0]).ShouldBeTrue();
        exp.Span[1].ShouldBe(0f);
        float.IsPositiveInfinity(exp.Span[2]).ShouldBeTrue();
        exp.Span[3].ShouldBe(0f);
    }

    [Fact]
    public void Bad_arguments_are_refused_with_the_shapes_or_limits()
    {
        Should.Throw<ArgumentException>(() => Backend.Clamp(Tensor.Zeros(2), 1f, -1f, Tensor.Zeros(2))).Message.ShouldContain("min 1");
        Should.Throw<ArgumentException>(() => Backend.Affine(Tensor.Zeros(2, 3), 1f, 0f, Tensor.Zeros(3, 2))).Message.ShouldContain("[3, 2]");
        Should.Throw<ArgumentException>(() => Backend.Exp(Tensor.Zeros(2, 3), 1f, Tensor.Zeros(6))).Message.ShouldContain("[6]");
    }

    [Fact]
    public void Copy_writes_into_a_strided_slice_and_from_a_broadcast_zero()
    {
        // The VAE encoder's asymmetric padding: the image into the top-left of a larger buffer, a zero row and column.
        var image = ElementwiseTests.Ramp(2, 3, 5, 7);
        var padded = Tensor.Full(9f, 2, 3, 6, 8);
        var zero = Tensor.Zeros(1);
        Backend.Copy(image, padded.View.Slice(2, 0, 5).Slice(3, 0, 7));
        Backend.Copy(zero.View.Reshape(1, 1, 1, 1).BroadcastTo(new Dims([2, 3, 1, 8])), padded.View.Slice(2, 5, 1));
        Backend.Copy(zero.View.Reshape(1, 1, 1, 1).BroadcastTo(new Dims([2, 3, 6, 1])), padded.View.Slice(3, 7, 1));
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < 3; c++)
            {
                for (int y = 0; y < 6; y++)
                {
                    for (int x = 0; x < 8; x++)
                    {
                        padded[n, c, y, x].ShouldBe(y < 5 && x < 7 ? image[n, c, y, x] : 0f);
                    }
                }
            }
        }
    }

    private static TensorView Input(int[] shape, bool strided)
    {
        if (!strided)
        {
            return ElementwiseTests.Ramp(shape).View;
        }

        // The same shape as a view whose axes 1 and 3 are swapped in memory.
        int[] stored = [shape[0], shape[3], shape[2], shape[1]];
        return ElementwiseTests.Ramp(stored).View.Transpose(1, 3);
    }

    private static void Expect(TensorView input, Tensor output, Func<double, double> f, double tolerance, bool relative = false)
    {
        float[] x = input.ToArray();
        for (int i = 0; i < x.Length; i++)
        {
            double expected = f(x[i]);
            double bound = relative ? tolerance * Math.Abs(expected) : tolerance;
            Math.Abs(output.Span[i] - expected).ShouldBeLessThanOrEqualTo(bound, $"element {i} of {x.Length}, x = {x[i]}");
        }
    }
}
