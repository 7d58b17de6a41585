namespace GenPipe.Nn.Models.Digits;

/// <summary>
/// The shape of a <see cref="DigitClassifier"/>, named as <c>CLASSIFIER_CONFIG</c> in
/// <c>tools/train/digits_models.py</c> (and so the <c>config.json</c> its <c>save_config</c> writes). The defaults are
/// that config: 28x28 single-channel digits, five 3x3 convolutions of 32/32/64/64/128 channels with strides 1/2/1/2/1,
/// 128 features, 10 classes.
/// </summary>
public sealed record DigitClassifierConfig
{
    /// <summary>The <c>_class_name</c> a classifier config carries.</summary>
    public const string ClassName = "DigitClassifier";

    /// <summary>Image channels (<c>in_channels</c>).</summary>
    public int InChannels { get; init; } = 1;

    /// <summary>Image height and width the model takes (<c>sample_size</c>); the feature layer's width depends on it.</summary>
    public int SampleSize { get; init; } = 28;

    /// <summary>Output channels of each 3x3 convolution, first to last (<c>conv_channels</c>).</summary>
    public IReadOnlyList<int> ConvChannels { get; init; } = [32, 32, 64, 64, 128];

    /// <summary>The stride of each convolution (<c>conv_strides</c>), one per entry of <see cref="ConvChannels"/>.</summary>
    public IReadOnlyList<int> ConvStrides { get; init; } = [1, 2, 1, 2, 1];

    /// <summary>The penultimate features (<c>feature_dim</c>).</summary>
    public int FeatureDim { get; init; } = 128;

    /// <summary>The classes, one logit each (<c>num_classes</c>).</summary>
    public int NumClasses { get; init; } = 10;

    /// <summary>Height and width after the last convolution (3x3, padding 1: <c>(size - 1) / stride + 1</c> each).</summary>
    public int FinalSize
    {
        get
        {
            int size = SampleSize;
            foreach (int stride in ConvStrides)
            {
                size = ((size - 1) / stride) + 1;
            }

            return size;
        }
    }

    /// <summary>The flattened width the feature layer takes: last channels x <see cref="FinalSize"/>².</summary>
    public int FlattenedFeatures => ConvChannels[^1] * FinalSize * FinalSize;

    /// <summary>Checks that the numbers fit together.</summary>
    /// <exception cref="ArgumentException">A count is out of range or the lists disagree; the message starts with the config key.</exception>
    public void Validate()
    {
        Require(InChannels >= 1, $"in_channels is {InChannels}; it must be at least 1.");
        Require(SampleSize >= 1, $"sample_size is {SampleSize}; it must be at least 1.");
        Require(ConvChannels.Count >= 1, "conv_channels must list at least one convolution.");

        // PyTorch's zip() would silently drop the extra entries of the longer list; a file like that is a mistake.
        Require(
            ConvStrides.Count == ConvChannels.Count,
            $"conv_strides has {ConvStrides.Count} entries but conv_channels has {ConvChannels.Count}; each convolution needs one of each.");
        for (int i = 0; i < ConvChannels.Count; i++)
        {
            Require(ConvChannels[i] >= 1, $"conv_channels[{i}] is {ConvChannels[i]}; it must be at least 1.");
            Require(ConvStrides[i] >= 1, $"conv_strides[{i}] is {ConvStrides[i]}; it must be at least 1.");
        }

        Require(FeatureDim >= 1, $"feature_dim is {FeatureDim}; it must be at least 1.");
        Require(NumClasses >= 2, $"num_classes is {NumClasses}; a classifier needs at least 2.");
        Require(
            (long)ConvChannels[^1] * FinalSize * FinalSize <= int.MaxValue,
            $"conv_channels[{ConvChannels.Count - 1}] {ConvChannels[^1]} x {FinalSize}² is too many features to flatten.");
    }

    /// <summary>Reads a classifier's <c>config.json</c>.</summary>
    /// <exception cref="InvalidDataException">Not valid JSON, a key is missing or mistyped, or the values do not fit together; the message names the file and key.</exception>
    public static DigitClassifierConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>
    /// Reads the text of a classifier config; <paramref name="source"/> names it in errors. Every key is required, as
    /// the PyTorch constructor requires it (it indexes the dict), and <c>_class_name</c> must be
    /// <see cref="ClassName"/>, so that another model's folder is refused here rather than as a list of weights that
    /// do not bind.
    /// </summary>
    /// <exception cref="InvalidDataException">Not valid JSON, a key is missing or mistyped, or the values do not fit together; the message names the source and key.</exception>
    public static DigitClassifierConfig Parse(string json, string source = "config.json")
    {
        using var reader = JsonConfigReader.Parse(json, source);
        string className = reader.String("_class_name", "");
        if (className != ClassName)
        {
            throw reader.Error("_class_name", className.Length == 0
                ? $"is missing; this reader takes a \"{ClassName}\" config."
                : $"is \"{className}\"; this reader takes a \"{ClassName}\" config.");
        }

        var config = new DigitClassifierConfig
        {
            InChannels = RequiredInt(reader, "in_channels"),
            SampleSize = RequiredInt(reader, "sample_size"),
            ConvChannels = RequiredIntList(reader, "conv_channels"),
            ConvStrides = RequiredIntList(reader, "conv_strides"),
            FeatureDim = RequiredInt(reader, "feature_dim"),
            NumClasses = RequiredInt(reader, "num_classes"),
        };

        return reader.Validated(config, c => c.Validate());
    }

    private static int RequiredInt(JsonConfigReader reader, string key) =>
        reader.Has(key) ? reader.Int(key, 0) : throw Missing(reader, key);

    private static IReadOnlyList<int> RequiredIntList(JsonConfigReader reader, string key) =>
        reader.Has(key) ? reader.IntList(key, []) : throw Missing(reader, key);

    private static InvalidDataException Missing(JsonConfigReader reader, string key) =>
        reader.Error(key, "is missing; the classifier's config.json names every key of CLASSIFIER_CONFIG.");

    private static void Require(bool condition, string message) => JsonConfigReader.Require(condition, message);
}
