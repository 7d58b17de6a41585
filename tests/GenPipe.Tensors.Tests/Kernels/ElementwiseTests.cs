using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Cpu;
using GenPipe.Tensors.Threading;
using Shouldly;
using Xunit;

namespace GenPipe.Tensors.Tests.Kernels;

/// <summary>Add, Multiply, Scale and Activate against closed-form loops, with broadcasting, strides and aliasing.</summary>
public sealed class ElementwiseTests
{
    private static readonly CpuBackend Backend = new(new CpuWorkers(2));

    internal static Tensor Ramp(params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        var span = t.Span;
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = ((i * 37) % 101) - 50.5f;
        }

        return t;
    }

    [Theory]
    [InlineData(new[] { 2, 3, 5, 7 }, new[] { 3, 1, 1 })] // per-channel bias
    [InlineData(new[] { 2, 3, 5, 7 }, new[] { 7 })] // last-axis vector
    [InlineData(new[] { 4, 300, 100 }, new[] { 4, 1, 100 })] // large enough to go parallel
    [InlineData(new[] { 3, 17 }, new[] { 3, 17 })]
    public void Add_and_multiply_broadcast_b(int[] shapeA, int[] shapeB)
    {
        var a = Ramp(shapeA);
        var b = Ramp(shapeB);
        var bb = b.View.BroadcastTo(a.View.Shape);
        var sum = Tensor.Zeros(shapeA);
        var product = Tensor.Zeros(shapeA);
        Backend.Add(a, b, sum);
        Backend.Multiply(a, b, product);
        float[] av = a.View.ToArray(), bv = bb.ToArray();
        for (int i = 0; i < av.Length; i++)
        {
            sum.Span[i].ShouldBe(av[i] + bv[i]);
            product.Span[i].ShouldBe(av[i] * bv[i]);
        }
    }

    [Fact]
    public void Output_may_alias_a_and_inputs_may_be_strided()
    {
        var a = Ramp(6, 5);
        var expected = a.View.ToArray();
        var bT = Ramp(5, 6).View.Transpose(0, 1); // strided b
        float[] bv = bT.ToArray();
        Backend.Add(a, bT, a);
        for (int i = 0; i < expected.Length; i++)
        {
            a.Span[i].ShouldBe(expected[i] + bv[i]);
        }

        var strided = Ramp(5, 6).View.Transpose(0, 1);
        var scaled = Tensor.Zeros(6, 5);
        Backend.Scale(strided, -2f, scaled);
        scaled.View.ToArray().ShouldBe(strided.ToArray().Select(v => v * -2f).ToArray());

        var activated = Tensor.Zeros(6, 5);
        Backend.Activate(strided, activated, Activation.Relu);
        activated.View.ToArray().ShouldBe(strided.ToArray().Select(v => Math.Max(v, 0f)).ToArray());
    }

    [Fact]
    public void Activate_in_place_over_a_large_tensor_matches_the_run_kernel()
    {
        var t = Ramp(3, 40000);
        float[] expected = t.View.ToArray();
        CpuActivations.Apply(expected, Activation.Silu);
        Backend.Activate(t, t, Activation.Silu);
        t.Span.ToArray().ShouldBe(expected);
    }

    [Fact]
    public void Mismatched_shapes_name_both()
    {
        var ex = Should.Throw<ArgumentException>(() => Backend.Add(Tensor.Zeros(2, 3), Tensor.Zeros(4), Tensor.Zeros(2, 3)));
        ex.Message.ShouldContain("[4]");
        ex.Message.ShouldContain("[2, 3]");
        Should.Throw<ArgumentException>(() => Backend.Scale(Tensor.Zeros(2, 3), 1f, Tensor.Zeros(3, 2))).Message.ShouldContain("[3, 2]");
    }
}
