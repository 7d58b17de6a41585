using GenPipe.Tensors;
using GenPipe.Testing;
using Shouldly;

namespace GenPipe.Nn.Tests;

/// <summary>Loads the PyTorch fixtures written by tools/fixtures/make_nn_refs.py and compares outputs to them.</summary>
internal static class Fixtures
{
    public static FixtureFile Load(string name) =>
        FixtureFile.Load(Path.Combine(AppContext.BaseDirectory, "Refs", name + ".safetensors.gz"));

    /// <summary>Every tensor of the fixture (weights are under "w.").</summary>
    public static IWeightSource Weights(FixtureFile file) =>
        new DictionaryWeightSource(
            file.Names.Where(n => n.StartsWith("w.", StringComparison.Ordinal)).ToDictionary(n => n, file.Tensor),
            Path.GetFileName(file.Path));

    /// <summary>
    /// Asserts that <paramref name="actual"/> has the expected shape and that its largest deviation is within
    /// <paramref name="relative"/> of the expected output's largest magnitude.
    /// </summary>
    public static double ShouldMatch(TensorView actual, FixtureFile file, string name, double relative)
    {
        actual.Shape.ToArray().ShouldBe(file.Shape(name), $"shape of {name}");
        float[] expected = file.Floats(name);
        float[] got = actual.ToArray();
        double scale = expected.Max(v => Math.Abs((double)v));
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(got[i] - (double)expected[i]));
        }

        (worst / scale).ShouldBeLessThanOrEqualTo(relative, $"{name}: max |diff| {worst:g3} against a scale of {scale:g3}");
        return worst / scale;
    }
}
