using GenPipe.Nn.Models.Digits;
using GenPipe.Nn.Tests.Diffusers;
using GenPipe.Tensors;
using GenPipe.Testing;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Nn.Tests.Digits;

/// <summary>
/// DigitClassifier against tools/train/digits_models.py's own outputs for the small random classifier of
/// tests/Fixtures/digits-classifier (six held-out digits): logits and penultimate features to 1e-4 absolute, on the
/// reference and the cpu backends; and each row computed alone equals its row of the batch.
/// </summary>
public sealed class DigitClassifierTests(ITestOutputHelper log)
{
    public static IEnumerable<object[]> Backends() => TestBackends.Names();

    private static FixtureFile Io() => FixtureFile.Load(Path.Combine(DigitsFiles.RandomClassifier, "io.safetensors"));

    [Theory]
    [MemberData(nameof(Backends))]
    public void Logits_and_features_match_PyTorch(string backend)
    {
        var io = Io();
        using var model = DigitClassifier.Load(DigitsFiles.RandomClassifier, TestBackends.Get(backend));

        var output = model.Forward(io.Tensor("images"));

        UpstreamMatch.ShouldMatch(output.Features, io, "features", log);
        UpstreamMatch.ShouldMatch(output.Logits, io, "logits", log);

        // A second call reuses every buffer and must give the same numbers.
        UpstreamMatch.ShouldMatch(model.Forward(io.Tensor("images")).Logits, io, "logits");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Each_row_alone_equals_its_row_of_the_batch(string backend)
    {
        var images = Io().Tensor("images");
        using var model = DigitClassifier.Load(DigitsFiles.RandomClassifier, TestBackends.Get(backend));
        var batched = model.Forward(images);
        float[] logits = batched.Logits.ToArray();
        float[] features = batched.Features.ToArray();
        int batch = images.GetShape()[0], classes = model.Config.NumClasses, width = model.Config.FeatureDim;

        for (int row = 0; row < batch; row++)
        {
            var alone = model.Forward(images.Slice(0, row, 1));
            alone.Logits.ToArray().ShouldBe(logits.AsSpan(row * classes, classes).ToArray(), $"logits of row {row}");
            alone.Features.ToArray().ShouldBe(features.AsSpan(row * width, width).ToArray(), $"features of row {row}");
        }
    }

    [Fact]
    public void Images_of_another_shape_are_refused()
    {
        using var model = DigitClassifier.Load(DigitsFiles.RandomClassifier, TestBackends.Fastest);

        Should.Throw<ArgumentException>(() => model.Forward(Tensor.Zeros(2, 1, 32, 32))).Message
            .ShouldStartWith("DigitClassifier expects [N, 1, 28, 28]; got [2, 1, 32, 32].");
        Should.Throw<ArgumentException>(() => model.Forward(Tensor.Zeros(2, 3, 28, 28)));
        Should.Throw<ArgumentException>(() => model.Forward(Tensor.Zeros(2, 784)));
    }
}
