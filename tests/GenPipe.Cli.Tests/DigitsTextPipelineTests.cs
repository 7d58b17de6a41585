using GenPipe.Core.Imaging;
using GenPipe.Nn.Models.Digits;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Testing;
using Shouldly;

namespace GenPipe.Cli.Tests;

/// <summary>
/// pipelines/digits-text.json, the README's main command: text to handwritten digit with the shipped models/digits-ldm.
/// The images are PyTorch's for the same seed, and models/digits-classifier reads the digit the prompt asked for.
/// </summary>
public sealed class DigitsTextPipelineTests
{
    private static readonly FixtureFile Io = FixtureFile.Load(CliRunner.TestData("Fixtures", "digits-ldm", "io.safetensors.gz"));
    private static readonly string Pipeline = CliRunner.TestData("pipelines", "digits-text.json");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_seven_is_drawn_as_pytorch_draws_it_into_a_grid_and_npy_in_0_1(bool terminal)
    {
        using var temp = new TempFolder();

        var result = await RealProcess.RunAsync(temp.Path, terminal, "run", Pipeline, "--set", "prompt=a seven", "--set", "count=4", "--out", "out");

        result.ExitCode.ShouldBe(0, result.ToString());
        var (shape, values) = Npy.Read(Path.Combine(temp.Path, "out", "digits-text.npy"));
        shape.ShouldBe([4, 1, 28, 28]);
        values.Zip(Io.Floats("pipeline.seven"), (a, e) => Math.Abs(a - e)).Max().ShouldBeLessThan(1e-4f);
        var png = PngReader.Read(File.ReadAllBytes(Path.Combine(temp.Path, "out", "digits-text.png")));
        ((long)png.Width * png.Height).ShouldBeGreaterThanOrEqualTo(4L * 28 * 28, "four digits in a grid");
        StackTraces.In(result.Error).ShouldBeFalse(result.ToString());
    }

    [Theory]
    [InlineData("a seven", 7)]
    [InlineData("3", 3)]
    [InlineData("the digit zero", 0)]
    [InlineData("a thick, slanted four", 4)]
    public async Task The_classifier_reads_the_digit_the_prompt_asks_for(string prompt, int digit)
    {
        using var temp = new TempFolder();

        var result = await CliRunner.RunAsync("run", Pipeline, "--set", $"prompt={prompt}", "--set", "count=32", "--set", "seed=1", "--out", temp.Path, "-q");

        result.ExitCode.ShouldBe(0, result.ToString());
        int[] read = DigitsJudge.Classify(Path.Combine(temp.Path, "digits-text.npy"));
        // At least 80% (measured on the shipped model: 30, 30, 32 and 27 of 32). "a five" is the model's weak digit
        // (12 of 32, most of the rest read as 3), a gap docs/models.md states rather than a case left out by accident.
        read.Count(d => d == digit).ShouldBeGreaterThanOrEqualTo(26, $"'{prompt}' read as [{string.Join(", ", read)}]");
    }
}

/// <summary>models/digits-classifier over a pipeline's .npy of digits in [0, 1].</summary>
internal static class DigitsJudge
{
    private static readonly Lazy<DigitClassifier> Classifier = new(
        () => DigitClassifier.Load(CliRunner.TestData("models", "digits-classifier"), TensorBackends.Cpu));

    public static int[] Classify(string npy)
    {
        var (shape, values) = Npy.Read(npy);
        var logits = Classifier.Value.Forward(new Tensor(values, shape).View).Logits.ToArray();
        int classes = logits.Length / shape[0];
        return Enumerable.Range(0, shape[0])
            .Select(row => Array.IndexOf(logits, logits.AsSpan(row * classes, classes).ToArray().Max(), row * classes) - row * classes)
            .ToArray();
    }
}
