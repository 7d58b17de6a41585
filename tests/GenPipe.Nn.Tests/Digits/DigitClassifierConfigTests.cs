using GenPipe.Nn.Models.Digits;
using GenPipe.Tensors.SafeTensors;
using Shouldly;
using Xunit;

namespace GenPipe.Nn.Tests.Digits;

/// <summary>
/// The classifier's config.json as tools/train/digits_models.py writes it, and refusals that name the file and key for
/// another model's config, a missing key, or values that do not fit together.
/// </summary>
public sealed class DigitClassifierConfigTests
{
    // CLASSIFIER_CONFIG, as save_config writes it.
    private const string Default = """
        {"_class_name": "DigitClassifier", "in_channels": 1, "sample_size": 28, "conv_channels": [32, 32, 64, 64, 128],
         "conv_strides": [1, 2, 1, 2, 1], "feature_dim": 128, "num_classes": 10}
        """;

    [Fact]
    public void The_training_config_reads_as_the_defaults()
    {
        var config = DigitClassifierConfig.Parse(Default);
        var defaults = new DigitClassifierConfig();

        config.InChannels.ShouldBe(defaults.InChannels);
        config.SampleSize.ShouldBe(28);
        config.ConvChannels.ShouldBe(defaults.ConvChannels);
        config.ConvStrides.ShouldBe(defaults.ConvStrides);
        config.FeatureDim.ShouldBe(128);
        config.NumClasses.ShouldBe(10);
        config.FinalSize.ShouldBe(7);
        config.FlattenedFeatures.ShouldBe(6272);

        // PyTorch: sum(p.numel() for p in DigitClassifier().parameters()).
        new DigitClassifier(config).ParameterCount().ShouldBe(943_082);
    }

    [Fact]
    public void The_parameter_names_are_PyTorchs()
    {
        using var file = SafeTensorsFile.Open(Path.Combine(DigitsFiles.RandomClassifier, DigitClassifier.WeightsFileName));
        var model = new DigitClassifier(DigitClassifierConfig.Load(Path.Combine(DigitsFiles.RandomClassifier, DigitClassifier.ConfigFileName)));

        model.NamedParameters().Select(p => p.Key).Order(StringComparer.Ordinal).ShouldBe(file.Entries.Keys.Order(StringComparer.Ordinal));
        model.NamedParameters().Select(p => p.Key).ShouldBe([
            "convs.0.weight", "convs.0.bias", "convs.1.weight", "convs.1.bias", "convs.2.weight", "convs.2.bias",
            "convs.3.weight", "convs.3.bias", "convs.4.weight", "convs.4.bias",
            "features.weight", "features.bias", "classifier.weight", "classifier.bias"]);
        model.ParameterCount().ShouldBe(63_662); // the fixture script's count
        model.Features.InFeatures.ShouldBe(32 * 7 * 7);
    }

    [Theory]
    [InlineData("\"_class_name\": \"DigitClassifier\"", "\"_class_name\": \"AutoencoderKL\"", "$._class_name is \"AutoencoderKL\"; this reader takes a \"DigitClassifier\" config.")]
    [InlineData("\"_class_name\": \"DigitClassifier\", ", "", "$._class_name is missing; this reader takes a \"DigitClassifier\" config.")]
    [InlineData("\"feature_dim\": 128, ", "", "$.feature_dim is missing; the classifier's config.json names every key of CLASSIFIER_CONFIG.")]
    [InlineData("\"conv_strides\": [1, 2, 1, 2, 1], ", "", "$.conv_strides is missing; the classifier's config.json names every key of CLASSIFIER_CONFIG.")]
    [InlineData("\"in_channels\": 1", "\"in_channels\": \"1\"", "$.in_channels must be an integer; got \"1\".")]
    [InlineData("[1, 2, 1, 2, 1]", "[1, 2, 1, 2]", "$.conv_strides has 4 entries but conv_channels has 5; each convolution needs one of each.")]
    [InlineData("[1, 2, 1, 2, 1]", "[1, 2, 0, 2, 1]", "$.conv_strides[2] is 0; it must be at least 1.")]
    [InlineData("[32, 32, 64, 64, 128]", "[32, 32, -64, 64, 128]", "$.conv_channels[2] is -64; it must be at least 1.")]
    [InlineData("[32, 32, 64, 64, 128]", "[]", "$.conv_channels must list at least one convolution.")]
    [InlineData("\"num_classes\": 10", "\"num_classes\": 1", "$.num_classes is 1; a classifier needs at least 2.")]
    [InlineData("\"sample_size\": 28", "\"sample_size\": 0", "$.sample_size is 0; it must be at least 1.")]
    public void A_config_that_does_not_fit_is_refused_naming_the_file_and_key(string find, string replace, string message)
    {
        Default.ShouldContain(find);
        string json = Default.Replace(find, replace, StringComparison.Ordinal);

        Should.Throw<InvalidDataException>(() => DigitClassifierConfig.Parse(json, "models/digits-classifier/config.json")).Message
            .ShouldBe($"models/digits-classifier/config.json: {message}");
    }

    [Fact]
    public void A_folder_without_weights_says_what_a_classifier_folder_holds()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"digits-classifier-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            File.WriteAllText(Path.Combine(folder, "config.json"), Default);
            Should.Throw<FileNotFoundException>(() => DigitClassifier.Load(folder, TestBackends.Fastest)).Message
                .ShouldBe($"The digit classifier folder {folder} has no model.safetensors; a classifier folder holds config.json and model.safetensors.");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
