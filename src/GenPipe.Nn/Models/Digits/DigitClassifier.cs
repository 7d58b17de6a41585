using GenPipe.Nn.Layers;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Tensors.SafeTensors;

namespace GenPipe.Nn.Models.Digits;

/// <summary>
/// The digit classifier of <c>tools/train/digits_models.py</c> (<c>DigitClassifier</c>) with its PyTorch parameter
/// names: 3x3 convolutions <c>convs.i</c> (padding 1, strides from the config, each followed by SiLU), the NCHW output
/// flattened, <c>features</c> (Linear, then SiLU: the penultimate features) and <c>classifier</c> (Linear, the logits).
/// </summary>
/// <remarks>
/// The PyTorch model's dropout before the logits acts only in training and is absent here. SiLU is fused into each
/// layer's epilogue. Results are views over the layers' buffers, valid until the next forward; not safe to run from
/// two threads at once.
/// </remarks>
public sealed class DigitClassifier : Module
{
    /// <summary>The configuration file of a classifier folder.</summary>
    public const string ConfigFileName = "config.json";

    /// <summary>The weights file of a classifier folder.</summary>
    public const string WeightsFileName = "model.safetensors";

    private readonly Conv2d[] _convs;

    /// <summary>Builds the tree for <paramref name="config"/> (weights come from <see cref="Module.LoadWeights"/>).</summary>
    public DigitClassifier(DigitClassifierConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        _convs = new Conv2d[config.ConvChannels.Count];
        int channels = config.InChannels;
        for (int i = 0; i < _convs.Length; i++)
        {
            _convs[i] = AddChild($"convs.{i}", new Conv2d(channels, config.ConvChannels[i], 3, config.ConvStrides[i], padding: 1));
            channels = config.ConvChannels[i];
        }

        Features = AddChild("features", new Linear(config.FlattenedFeatures, config.FeatureDim));
        Classifier = AddChild("classifier", new Linear(config.FeatureDim, config.NumClasses));
    }

    /// <summary>The configuration.</summary>
    public DigitClassifierConfig Config { get; }

    /// <summary>The convolutions, first to last.</summary>
    public IReadOnlyList<Conv2d> Convs => _convs;

    /// <summary>The penultimate layer: flattened convolution output to <see cref="DigitClassifierConfig.FeatureDim"/>.</summary>
    public Linear Features { get; }

    /// <summary>The logits layer.</summary>
    public Linear Classifier { get; }

    /// <summary>Loads a classifier folder: <see cref="ConfigFileName"/> and <see cref="WeightsFileName"/> (as the training script writes them).</summary>
    /// <exception cref="FileNotFoundException">The folder lacks one of the two files.</exception>
    /// <exception cref="InvalidDataException">The config is malformed or inconsistent (names the file and key).</exception>
    /// <exception cref="WeightBindingException">Weights are missing, unexpected or mis-shaped; lists all of them.</exception>
    public static DigitClassifier Load(string folder, ITensorBackend backend)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(backend);
        var config = DigitClassifierConfig.Load(RequireFile(folder, ConfigFileName));
        using var file = SafeTensorsFile.Open(RequireFile(folder, WeightsFileName));
        return Load(config, new SafeTensorsWeightSource(file), backend);
    }

    /// <summary>Builds the model and binds its weights from <paramref name="weights"/>, whose names for it start with <paramref name="prefix"/>.</summary>
    /// <exception cref="WeightBindingException">Weights are missing, unexpected or mis-shaped; lists all of them.</exception>
    public static DigitClassifier Load(DigitClassifierConfig config, IWeightSource weights, ITensorBackend backend, string prefix = "")
    {
        var model = new DigitClassifier(config);
        model.LoadWeights(weights, backend, prefix);
        return model;
    }

    /// <summary>
    /// Classifies <paramref name="images"/> [N, in_channels, sample_size, sample_size] (digits in [0, 1]): the logits
    /// [N, num_classes] and the penultimate features [N, feature_dim], both valid until the next forward.
    /// </summary>
    /// <exception cref="ArgumentException">The images are not of the configured shape.</exception>
    public DigitClassifierOutput Forward(TensorView images)
    {
        int size = Config.SampleSize;
        if (images.Rank != 4 || images.Dim(1) != Config.InChannels || images.Dim(2) != size || images.Dim(3) != size)
        {
            throw new ArgumentException(
                $"DigitClassifier expects [N, {Config.InChannels}, {size}, {size}]; got {images.Shape}.", nameof(images));
        }

        var h = images;
        foreach (var conv in _convs)
        {
            h = conv.Forward(h, Activation.Silu);
        }

        // torch.flatten(x, 1) of the contiguous NCHW buffer: a view, channel-major as the feature weights expect.
        var flat = h.Reshape(h.Dim(0), Config.FlattenedFeatures);
        var features = Features.Forward(flat, Activation.Silu);
        return new DigitClassifierOutput(Classifier.Forward(features), features);
    }

    private static string RequireFile(string folder, string name) =>
        ModelFolder.RequireFile(folder, name, "digit classifier", "a classifier folder", ConfigFileName, WeightsFileName);
}
