using GenPipe.Nn.Blocks;
using GenPipe.Nn.Embeddings;
using GenPipe.Nn.Layers;
using GenPipe.Nn.Normalization;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Models.UNet2DCondition;

/// <summary>
/// The text-conditioned denoiser of Stable Diffusion 1.x and 2.x with the structure and parameter names of diffusers'
/// <c>UNet2DConditionModel</c>: positional time embedding, <c>conv_in</c>, down blocks (<see cref="DownBlock2D"/> or
/// <see cref="CrossAttnDownBlock2D"/>), an optional <see cref="UNetMidBlock2DCrossAttn"/>, mirrored up blocks with skip
/// concatenation (<see cref="UpBlock2D"/> or <see cref="CrossAttnUpBlock2D"/>), group norm with SiLU and <c>conv_out</c>.
/// </summary>
/// <remarks>
/// Forward allocates nothing after the first call with the same shapes; its result is valid until the next forward.
/// Not safe to run from two threads at once (create one model per thread).
/// </remarks>
public sealed class UNet2DConditionModel : Module
{
    /// <summary>The config file diffusers writes beside the weights.</summary>
    public const string ConfigFileName = "config.json";

    /// <summary>The weights file diffusers writes.</summary>
    public const string WeightsFileName = "diffusion_pytorch_model.safetensors";

    private readonly Module[] _downBlocks;
    private readonly Module[] _upBlocks;
    private readonly string[] _downNames;
    private readonly string[] _upNames;
    private readonly SkipStack _skips = new();

    // Host memory, not activations: the timestep kernel reads the timesteps from a span, and a broadcast one is
    // repeated here once per batch size.
    private float[] _broadcastTimesteps = [];

    /// <summary>Builds the tree for <paramref name="config"/> (weights come from <see cref="Module.LoadWeights"/>).</summary>
    /// <exception cref="ArgumentException">The configuration does not fit together; the message says why.</exception>
    public UNet2DConditionModel(UNet2DConditionConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        var channels = config.BlockOutChannels;
        int levels = config.Levels;
        int temb = config.TimeEmbedDim;
        int groups = config.NormNumGroups;
        float eps = config.NormEps;
        bool linear = config.UseLinearProjection;

        ConvIn = AddChild("conv_in", new Conv2d(config.InChannels, channels[0], config.ConvInKernel, padding: (config.ConvInKernel - 1) / 2));
        TimeProj = AddChild("time_proj", new Timesteps(channels[0], config.FlipSinToCos, config.FreqShift));
        TimeEmbedding = AddChild("time_embedding", new TimestepEmbedding(channels[0], temb));

        _downBlocks = new Module[levels];
        _downNames = new string[levels];
        for (int i = 0; i < levels; i++)
        {
            int input = channels[Math.Max(i - 1, 0)];
            bool downsample = i < levels - 1;
            _downNames[i] = $"down_blocks.{i}";
            _downBlocks[i] = AddChild<Module>(_downNames[i], config.HasAttention(i)
                ? new CrossAttnDownBlock2D(
                    input, channels[i], temb, config.LayersPerBlock[i], config.TransformerLayersPerBlock[i], config.AttentionHeads[i],
                    config.CrossAttentionDim[i], linear, downsample, groups, eps)
                : new DownBlock2D(input, channels[i], temb, config.LayersPerBlock[i], null, downsample, groups, eps));
        }

        if (config.MidBlockType is not null)
        {
            MidBlock = AddChild("mid_block", new UNetMidBlock2DCrossAttn(
                channels[^1], temb, config.TransformerLayersPerBlock[^1], config.AttentionHeads[^1], config.CrossAttentionDim[^1], linear, groups, eps));
        }

        // Up block i works at level (levels - 1 - i) and reads that level's per-level settings, as diffusers' reversed lists do.
        _upBlocks = new Module[levels];
        _upNames = new string[levels];
        int output = channels[^1];
        for (int i = 0; i < levels; i++)
        {
            int level = levels - 1 - i;
            int previous = output;
            output = channels[level];
            int skipIn = channels[Math.Max(level - 1, 0)];
            int layers = config.LayersPerBlock[level] + 1;
            bool upsample = i < levels - 1;
            _upNames[i] = $"up_blocks.{i}";
            _upBlocks[i] = AddChild<Module>(_upNames[i], config.HasUpAttention(i)
                ? new CrossAttnUpBlock2D(
                    skipIn, previous, output, temb, layers, config.TransformerLayersPerBlock[level], config.AttentionHeads[level],
                    config.CrossAttentionDim[level], linear, upsample, groups, eps)
                : new UpBlock2D(skipIn, previous, output, temb, layers, null, upsample, groups, eps));
        }

        ConvNormOut = AddChild("conv_norm_out", new GroupNorm(groups, channels[0], eps));
        ConvOut = AddChild("conv_out", new Conv2d(channels[0], config.OutChannels, config.ConvOutKernel, padding: (config.ConvOutKernel - 1) / 2));
    }

    /// <summary>The configuration.</summary>
    public UNet2DConditionConfig Config { get; }

    /// <summary>The input convolution.</summary>
    public Conv2d ConvIn { get; }

    /// <summary>The sinusoidal timestep features.</summary>
    public Timesteps TimeProj { get; }

    /// <summary>The timestep MLP.</summary>
    public TimestepEmbedding TimeEmbedding { get; }

    /// <summary>The encoder levels, finest first: each a <see cref="DownBlock2D"/> or a <see cref="CrossAttnDownBlock2D"/>.</summary>
    public IReadOnlyList<Module> DownBlocks => _downBlocks;

    /// <summary>The bottleneck, or null when the configuration has none.</summary>
    public UNetMidBlock2DCrossAttn? MidBlock { get; }

    /// <summary>The decoder levels, coarsest first: each an <see cref="UpBlock2D"/> or a <see cref="CrossAttnUpBlock2D"/>.</summary>
    public IReadOnlyList<Module> UpBlocks => _upBlocks;

    /// <summary>The output normalization (followed by SiLU, fused).</summary>
    public GroupNorm ConvNormOut { get; }

    /// <summary>The output convolution.</summary>
    public Conv2d ConvOut { get; }

    /// <summary>Builds the model and binds its weights (names as diffusers', after <paramref name="prefix"/>).</summary>
    /// <exception cref="WeightBindingException">The weights do not fit the configuration; lists every problem.</exception>
    public static UNet2DConditionModel Load(UNet2DConditionConfig config, IWeightSource weights, ITensorBackend backend, string prefix = "")
    {
        var model = new UNet2DConditionModel(config);
        model.LoadWeights(weights, backend, prefix);
        return model;
    }

    /// <summary>
    /// Loads a diffusers model folder: <see cref="ConfigFileName"/> and <see cref="WeightsFileName"/> (as
    /// <c>save_pretrained</c> writes them, for example a pipeline's <c>unet/</c> folder).
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder lacks one of the two files.</exception>
    /// <exception cref="InvalidDataException">The config is not a UNet2DConditionModel configuration; the message names the file and key.</exception>
    /// <exception cref="NotSupportedException">The config uses a setting this port does not implement; the message names the file, key, value and what is supported.</exception>
    /// <exception cref="WeightBindingException">The weights do not fit the config; lists every problem with the file's path.</exception>
    public static UNet2DConditionModel Load(string folder, ITensorBackend backend)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(backend);
        var config = UNet2DConditionConfig.FromFile(Path.Combine(folder, ConfigFileName));
        string weights = Path.Combine(folder, WeightsFileName);
        if (!File.Exists(weights))
        {
            throw new FileNotFoundException($"No UNet weights at {weights}.", weights);
        }

        using var file = GenPipe.Tensors.SafeTensors.SafeTensorsFile.Open(weights);
        return Load(config, new SafeTensorsWeightSource(file), backend);
    }

    /// <summary>
    /// Predicts the noise for <paramref name="sample"/> [B, in, H, W] at <paramref name="timesteps"/> (one per batch
    /// row, or one for all rows as diffusers broadcasts a 0-d timestep), conditioned on
    /// <paramref name="encoderHiddenStates"/> [B, L, cross_attention_dim]. Any H and W: a downsampler rounds an odd size up
    /// and the matching upsampler resizes to the skip's size, as diffusers does. The [B, out, H, W] result is valid until the next forward.
    /// </summary>
    /// <param name="sample">The noisy latents.</param>
    /// <param name="timesteps">The timesteps, as diffusers passes them (integers as floats).</param>
    /// <param name="encoderHiddenStates">The text encoder's hidden states.</param>
    /// <param name="observe">
    /// Called with each module output as diffusers' hooks name it (<c>time_proj</c>, <c>time_embedding</c>,
    /// <c>conv_in</c>, <c>down_blocks.i</c>, <c>mid_block</c>, <c>up_blocks.i</c>, <c>conv_out</c>), for checks against
    /// a reference; a view is valid until the next forward. Null in normal use.
    /// </param>
    public TensorView Forward(TensorView sample, ReadOnlySpan<float> timesteps, TensorView encoderHiddenStates, Action<string, TensorView>? observe = null)
    {
        CheckInputs(sample, encoderHiddenStates);
        int batch = sample.Dim(0);
        var features = TimeProj.Forward(PerSample(timesteps, batch));
        observe?.Invoke("time_proj", features);
        var temb = TimeEmbedding.Forward(features);
        observe?.Invoke("time_embedding", temb);

        _skips.Clear();
        var h = ConvIn.Forward(sample);
        observe?.Invoke("conv_in", h);
        _skips.Push(h);
        for (int i = 0; i < _downBlocks.Length; i++)
        {
            h = _downBlocks[i] switch
            {
                CrossAttnDownBlock2D block => block.Forward(h, temb, encoderHiddenStates, _skips),
                DownBlock2D block => block.Forward(h, temb, _skips),
                var other => throw new InvalidOperationException($"Unexpected down block {other.GetType().Name}."),
            };
            observe?.Invoke(_downNames[i], h);
        }

        if (MidBlock is not null)
        {
            h = MidBlock.Forward(h, temb, encoderHiddenStates);
            observe?.Invoke("mid_block", h);
        }

        for (int i = 0; i < _upBlocks.Length; i++)
        {
            h = _upBlocks[i] switch
            {
                CrossAttnUpBlock2D block => block.Forward(h, temb, encoderHiddenStates, _skips),
                UpBlock2D block => block.Forward(h, temb, _skips),
                var other => throw new InvalidOperationException($"Unexpected up block {other.GetType().Name}."),
            };
            observe?.Invoke(_upNames[i], h);
        }

        _skips.Clear();
        var output = ConvOut.Forward(ConvNormOut.Forward(h, Activation.Silu));
        observe?.Invoke("conv_out", output);
        return output;
    }

    private void CheckInputs(TensorView sample, TensorView encoderHiddenStates)
    {
        if (sample.Rank != 4 || sample.Dim(1) != Config.InChannels)
        {
            throw new ArgumentException($"UNet2DConditionModel expects a sample [B, {Config.InChannels}, H, W]; got {sample.Shape}.", nameof(sample));
        }

        if (encoderHiddenStates.IsNone || encoderHiddenStates.Rank != 3 || encoderHiddenStates.Dim(0) != sample.Dim(0))
        {
            throw new ArgumentException(
                $"encoder_hidden_states must be [B, L, D] with the sample's batch {sample.Dim(0)}; got {encoderHiddenStates.Shape}.", nameof(encoderHiddenStates));
        }

        for (int i = 0; i < Config.Levels; i++)
        {
            bool attends = Config.HasAttention(i) || Config.HasUpAttention(Config.Levels - 1 - i) || (i == Config.Levels - 1 && MidBlock is not null);
            if (attends && encoderHiddenStates.Dim(2) != Config.CrossAttentionDim[i])
            {
                throw new ArgumentException(
                    $"encoder_hidden_states has {encoderHiddenStates.Dim(2)} features; level {i} attends to cross_attention_dim {Config.CrossAttentionDim[i]}.",
                    nameof(encoderHiddenStates));
            }
        }
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
