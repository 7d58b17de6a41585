using GenPipe.Nn.Blocks;
using GenPipe.Nn.Embeddings;
using GenPipe.Nn.Layers;
using GenPipe.Nn.Normalization;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Models;

/// <summary>
/// A small diffusion denoiser with the structure and parameter names of diffusers' <c>UNet2DModel</c> (positional
/// time embedding, DownBlock2D levels with an AttnDownBlock2D on the deepest, UNetMidBlock2D, mirrored up blocks with
/// skip concatenation). <c>bench/torch/small_unet.py</c> defines the same model in PyTorch.
/// </summary>
/// <remarks>
/// Forward allocates nothing after the first call with a given batch size; its result is valid until the next forward.
/// Not safe to run from two threads at once (create one model per thread).
/// </remarks>
public sealed class SmallUNet : Module
{
    private readonly DownBlock2D[] _downBlocks;
    private readonly UpBlock2D[] _upBlocks;
    private readonly SkipStack _skips = new();
    private float[] _broadcastTimesteps = [];

    /// <summary>Builds the tree for <paramref name="config"/> (weights come from <see cref="Module.LoadWeights"/>).</summary>
    public SmallUNet(SmallUNetConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        var channels = config.BlockOutChannels;
        int levels = channels.Count;
        int temb = config.TimeEmbedDim;
        int groups = config.NormNumGroups;
        float eps = config.NormEps;

        ConvIn = AddChild("conv_in", new Conv2d(config.InChannels, channels[0], 3, padding: 1));
        TimeProj = AddChild("time_proj", new Timesteps(channels[0], config.FlipSinToCos, config.FreqShift));
        TimeEmbedding = AddChild("time_embedding", new TimestepEmbedding(channels[0], temb));

        _downBlocks = new DownBlock2D[levels];
        for (int i = 0; i < levels; i++)
        {
            _downBlocks[i] = AddChild($"down_blocks.{i}", new DownBlock2D(
                i == 0 ? channels[0] : channels[i - 1],
                channels[i],
                temb,
                config.LayersPerBlock,
                config.AttentionLevels[i] ? config.AttentionHeadDim : null,
                addDownsample: i < levels - 1,
                groups,
                eps));
        }

        MidBlock = AddChild("mid_block", new UNetMidBlock2D(channels[^1], temb, config.AttentionHeadDim, groups, eps));

        _upBlocks = new UpBlock2D[levels];
        int output = channels[^1];
        for (int i = 0; i < levels; i++)
        {
            int level = levels - 1 - i;
            int previous = output;
            output = channels[level];
            _upBlocks[i] = AddChild($"up_blocks.{i}", new UpBlock2D(
                channels[Math.Max(level - 1, 0)],
                previous,
                output,
                temb,
                config.LayersPerBlock + 1,
                config.AttentionLevels[level] ? config.AttentionHeadDim : null,
                addUpsample: i < levels - 1,
                groups,
                eps));
        }

        ConvNormOut = AddChild("conv_norm_out", new GroupNorm(groups, channels[0], eps));
        ConvOut = AddChild("conv_out", new Conv2d(channels[0], config.OutChannels, 3, padding: 1));
    }

    /// <summary>The configuration.</summary>
    public SmallUNetConfig Config { get; }

    /// <summary>The input convolution.</summary>
    public Conv2d ConvIn { get; }

    /// <summary>The sinusoidal timestep features.</summary>
    public Timesteps TimeProj { get; }

    /// <summary>The timestep MLP.</summary>
    public TimestepEmbedding TimeEmbedding { get; }

    /// <summary>The encoder levels, finest first.</summary>
    public IReadOnlyList<DownBlock2D> DownBlocks => _downBlocks;

    /// <summary>The bottleneck.</summary>
    public UNetMidBlock2D MidBlock { get; }

    /// <summary>The decoder levels, coarsest first.</summary>
    public IReadOnlyList<UpBlock2D> UpBlocks => _upBlocks;

    /// <summary>The output normalization (with SiLU).</summary>
    public GroupNorm ConvNormOut { get; }

    /// <summary>The output convolution.</summary>
    public Conv2d ConvOut { get; }

    /// <summary>Builds the model and binds its weights.</summary>
    /// <exception cref="WeightBindingException">The weights do not fit the configuration; lists every problem.</exception>
    public static SmallUNet Load(SmallUNetConfig config, IWeightSource weights, ITensorBackend backend, string prefix = "")
    {
        var model = new SmallUNet(config);
        model.LoadWeights(weights, backend, prefix);
        return model;
    }

    /// <summary>Builds the model and binds its weights from a safetensors file (names as diffusers' UNet2DModel).</summary>
    /// <param name="config">The model's shape.</param>
    /// <param name="path">The safetensors file.</param>
    /// <param name="backend">The backend forwards run on.</param>
    /// <param name="prefix">A prefix of the model's names in the file (for example <c>unet.</c>); other names are ignored.</param>
    /// <exception cref="WeightBindingException">The file's weights do not fit the configuration; lists every problem with the file's path.</exception>
    public static SmallUNet Load(SmallUNetConfig config, string path, ITensorBackend backend, string prefix = "")
    {
        using var file = GenPipe.Tensors.SafeTensors.SafeTensorsFile.Open(path);
        return Load(config, new SafeTensorsWeightSource(file), backend, prefix);
    }

    /// <summary>
    /// Predicts the noise for <paramref name="sample"/> [B, in, H, W] (H and W divisible by 2^(levels-1)) at
    /// <paramref name="timesteps"/> (one per batch element, or one for all). The [B, out, H, W] result is valid until
    /// the next forward.
    /// </summary>
    public TensorView Forward(TensorView sample, ReadOnlySpan<float> timesteps)
    {
        if (sample.Rank != 4 || sample.Dim(1) != Config.InChannels)
        {
            throw new ArgumentException($"SmallUNet expects [B, {Config.InChannels}, H, W]; got {sample.Shape}.", nameof(sample));
        }

        int batch = sample.Dim(0);
        int factor = 1 << (_downBlocks.Length - 1);
        if (sample.Dim(2) % factor != 0 || sample.Dim(3) % factor != 0)
        {
            throw new ArgumentException($"Height and width of {sample.Shape} must divide by {factor}.", nameof(sample));
        }

        var temb = TimeEmbedding.Forward(TimeProj.Forward(PerSample(timesteps, batch)));

        _skips.Clear();
        var h = ConvIn.Forward(sample);
        _skips.Push(h);
        foreach (var block in _downBlocks)
        {
            h = block.Forward(h, temb, _skips);
        }

        h = MidBlock.Forward(h, temb);
        foreach (var block in _upBlocks)
        {
            h = block.Forward(h, temb, _skips);
        }

        _skips.Clear();
        return ConvOut.Forward(ConvNormOut.Forward(h, Activation.Silu));
    }

    private ReadOnlySpan<float> PerSample(ReadOnlySpan<float> timesteps, int batch)
    {
        if (timesteps.Length == batch)
        {
            return timesteps;
        }

        if (timesteps.Length != 1)
        {
            throw new ArgumentException($"Got {timesteps.Length} timesteps for a batch of {batch}; give one per sample or one for all.", nameof(timesteps));
        }

        if (_broadcastTimesteps.Length != batch)
        {
            _broadcastTimesteps = new float[batch];
        }

        Array.Fill(_broadcastTimesteps, timesteps[0]);
        return _broadcastTimesteps;
    }
}
