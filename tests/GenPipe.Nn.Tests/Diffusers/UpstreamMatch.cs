using GenPipe.Tensors;
using GenPipe.Testing;
using Shouldly;
using Xunit.Abstractions;

namespace GenPipe.Nn.Tests.Diffusers;

/// <summary>
/// Compares an output with an upstream fixture tensor in absolute terms, as issue 12 states the bar (1e-4 for every
/// output and intermediate), and logs the largest deviation so that runs show the margin.
/// </summary>
internal static class UpstreamMatch
{
    /// <summary>The tolerance the sd15 fixtures are checked to.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>Asserts the shape and that no element is further than <see cref="Tolerance"/> from the fixture's; returns the largest deviation.</summary>
    public static double ShouldMatch(TensorView actual, FixtureFile file, string name, ITestOutputHelper? log = null)
    {
        actual.Shape.ToArray().ShouldBe(file.Shape(name), $"shape of {name}");
        float[] expected = file.Floats(name);
        float[] got = actual.ToArray();
        double worst = 0;
        int at = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs(got[i] - (double)expected[i]);
            if (d > worst || double.IsNaN(d))
            {
                worst = d;
                at = i;
                if (double.IsNaN(d))
                {
                    break; // a NaN fails the check; report the first
                }
            }
        }

        log?.WriteLine($"{name}: max |diff| {worst:e2} (element {at} of {expected.Length}, max |expected| {expected.Max(v => Math.Abs(v)):g3})");
        worst.ShouldBeLessThanOrEqualTo(Tolerance, $"{name}: element {at} is {got[at]} where upstream has {expected[at]}");
        return worst;
    }
}
