using System.Text.Json;
using GenPipe.Nn.Data;
using GenPipe.Nn.Models.Digits;
using GenPipe.Nn.Tests.Diffusers;
using GenPipe.Tensors;
using GenPipe.Testing;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Nn.Tests.Digits;

/// <summary>
/// The shipped classifier, models/digits-classifier: PyTorch's logits and features for the first 64 held-out digits
/// (tests/Fixtures/digits-classifier-trained) to 1e-4, and its held-out accuracy computed by GenPipe on all 2,000
/// digits equal to the training script's metrics.json, correct answer for correct answer.
/// </summary>
public sealed class ShippedDigitClassifierTests(ITestOutputHelper log)
{
    public static IEnumerable<object[]> Backends() => TestBackends.Names();

    [Fact]
    public void The_shipped_config_is_CLASSIFIER_CONFIG()
    {
        var config = DigitClassifierConfig.Load(Path.Combine(DigitsFiles.ShippedClassifier, DigitClassifier.ConfigFileName));
        var defaults = new DigitClassifierConfig();

        config.ConvChannels.ShouldBe(defaults.ConvChannels);
        config.ConvStrides.ShouldBe(defaults.ConvStrides);
        (config with { ConvChannels = defaults.ConvChannels, ConvStrides = defaults.ConvStrides }).ShouldBe(defaults);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void The_first_64_held_out_digits_give_PyTorchs_outputs(string backend)
    {
        var io = FixtureFile.Load(DigitsFiles.TrainedOutputs);
        using var model = DigitClassifier.Load(DigitsFiles.ShippedClassifier, TestBackends.Get(backend));
        var images = DigitsFiles.HeldOut.Images.Slice(0, 0, 64);
        images.View.ToArray().ShouldBe(io.Floats("images"), "the fixture's digits are the data set's first 64");

        var output = model.Forward(images);

        output.Features.Shape.ToArray().ShouldBe([64, 128]);
        UpstreamMatch.ShouldMatch(output.Features, io, "features", log);
        UpstreamMatch.ShouldMatch(output.Logits, io, "logits", log);
    }

    [Fact]
    public void Held_out_accuracy_is_the_one_training_recorded()
    {
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(DigitsFiles.ShippedClassifier, "metrics.json")));
        double recorded = metrics.RootElement.GetProperty("heldout_accuracy").GetDouble();
        metrics.RootElement.GetProperty("heldout_count").GetInt32().ShouldBe(2000);
        metrics.RootElement.GetProperty("split_sha256").GetString().ShouldBe(DigitsFiles.HeldOut.Metadata[DigitsDataSet.SplitHashKey]);
        var heldOut = DigitsFiles.HeldOut;
        using var model = DigitClassifier.Load(DigitsFiles.ShippedClassifier, TestBackends.Fastest);

        int correct = 0;
        const int Batch = 250;
        for (int start = 0; start < heldOut.Count; start += Batch)
        {
            int count = Math.Min(Batch, heldOut.Count - start);
            var logits = model.Forward(heldOut.Images.Slice(0, start, count)).Logits;
            for (int row = 0; row < count; row++)
            {
                correct += ArgMax(logits.Select(0, row)) == heldOut.Labels[start + row] ? 1 : 0;
            }
        }

        log.WriteLine($"GenPipe: {correct} of {heldOut.Count} held-out digits correct; metrics.json: {recorded}");
        correct.ShouldBe((int)Math.Round(recorded * heldOut.Count));
    }

    // The first largest, as torch.argmax picks it.
    private static int ArgMax(TensorView row)
    {
        int best = 0;
        for (int i = 1; i < row.Dim(0); i++)
        {
            if (row[i] > row[best])
            {
                best = i;
            }
        }

        return best;
    }
}
