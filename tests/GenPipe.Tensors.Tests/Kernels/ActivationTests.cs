using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Cpu;
using Xunit;

namespace GenPipe.Tensors.Tests.Kernels;

/// <summary>Every activation against PyTorch in float64 (then rounded), over random values, extremes and odd lengths.</summary>
public sealed class ActivationTests
{
    [Theory]
    [InlineData(Activation.Relu, "relu")]
    [InlineData(Activation.Silu, "silu")]
    [InlineData(Activation.Gelu, "gelu")]
    [InlineData(Activation.GeluTanh, "gelu_tanh")]
    [InlineData(Activation.QuickGelu, "quick_gelu")]
    public void Matches_torch_in_place_for_every_length(Activation activation, string name)
    {
        var refs = KernelRefs.Load("activations");
        float[] x = refs.Floats("x");
        float[] expected = refs.Floats(name);

        // Every tail length 0..16 and the whole array: the vector loop and the partial last vector both run.
        foreach (int length in new[] { 0, 1, 5, 15, 16, 17, 31, 33, x.Length })
        {
            float[] values = x[..length];
            CpuActivations.Apply(values, activation);
            KernelRefs.ShouldMatch(values, expected.AsSpan(0, length), 2e-6f, $"{name}[{length}]");
        }
    }

    [Fact]
    public void Gelu_keeps_relative_accuracy_in_the_negative_tail()
    {
        // Where 1 + erf(x) would cancel (torch's own F.gelu is off by 16% at x = -8.3, even in float64), the erfc form
        // keeps the tiny negative values to a few float roundings.
        var refs = KernelRefs.Load("activations");
        float[] x = refs.Floats("x");
        float[] expected = refs.Floats("gelu");
        float[] actual = (float[])x.Clone();
        CpuActivations.Apply(actual, Activation.Gelu);
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] < -3f && expected[i] != 0f)
            {
                Assert.InRange(actual[i] / expected[i], 1 - 1e-5f, 1 + 1e-5f);
            }
        }
    }

    [Fact]
    public void None_copies_and_a_separate_destination_leaves_the_source_alone()
    {
        float[] source = [1f, -2f, 3f];
        float[] destination = new float[3];
        CpuActivations.Apply(source, destination, Activation.Relu);
        Assert.Equal(new[] { 1f, 0f, 3f }, destination);
        Assert.Equal(new[] { 1f, -2f, 3f }, source);
        CpuActivations.Apply(source, destination, Activation.None);
        Assert.Equal(source, destination);
    }
}
