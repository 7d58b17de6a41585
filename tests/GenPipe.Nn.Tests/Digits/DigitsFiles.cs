using GenPipe.Nn.Data;

namespace GenPipe.Nn.Tests.Digits;

/// <summary>
/// The repository's digits files, copied beside the tests under their repository paths (see the project file):
/// the committed data set, the shipped classifier and the PyTorch fixtures of tools/fixtures/make_digits_classifier_refs.py.
/// </summary>
internal static class DigitsFiles
{
    private static readonly Lazy<DigitsDataSet> HeldOutPart = new(() => DigitsDataSet.Load(DataSet, DigitsDataSet.HeldOut));

    /// <summary>data/digits/digits.safetensors.</summary>
    public static string DataSet => Path.Combine(AppContext.BaseDirectory, "data", "digits", "digits.safetensors");

    /// <summary>models/digits-classifier: the trained classifier GenPipe ships.</summary>
    public static string ShippedClassifier => Path.Combine(AppContext.BaseDirectory, "models", "digits-classifier");

    /// <summary>tests/Fixtures/digits-classifier: a small random classifier and PyTorch's outputs.</summary>
    public static string RandomClassifier => Path.Combine(AppContext.BaseDirectory, "Fixtures", "digits-classifier");

    /// <summary>tests/Fixtures/digits-classifier-trained/io.safetensors.gz: the shipped classifier's PyTorch outputs.</summary>
    public static string TrainedOutputs => Path.Combine(AppContext.BaseDirectory, "Fixtures", "digits-classifier-trained", "io.safetensors.gz");

    /// <summary>The held-out part, read once for all tests (nothing modifies it).</summary>
    public static DigitsDataSet HeldOut => HeldOutPart.Value;
}
