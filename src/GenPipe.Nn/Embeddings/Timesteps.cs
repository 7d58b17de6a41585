using GenPipe.Tensors;

namespace GenPipe.Nn.Embeddings;

/// <summary>
/// Sinusoidal timestep features as diffusers' <c>Timesteps</c> (no weights): [timesteps] to [timesteps, channels].
/// </summary>
public sealed class Timesteps : Module
{
    private readonly ActivationBuffer _output;

    /// <summary>Creates the projection.</summary>
    /// <param name="channels">Features per timestep.</param>
    /// <param name="flipSinToCos">Cosines first (UNet2DModel's default).</param>
    /// <param name="downscaleFreqShift">Shift of the frequency denominator (0 in UNet2DModel, 1 in older models).</param>
    /// <param name="scale">Multiplies the arguments.</param>
    public Timesteps(int channels, bool flipSinToCos = true, float downscaleFreqShift = 0f, float scale = 1f)
    {
        _output = AddBuffer();
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        Channels = channels;
        FlipSinToCos = flipSinToCos;
        DownscaleFreqShift = downscaleFreqShift;
        Scale = scale;
    }

    /// <summary>Features per timestep.</summary>
    public int Channels { get; }

    /// <summary>Cosines first.</summary>
    public bool FlipSinToCos { get; }

    /// <summary>Shift of the frequency denominator.</summary>
    public float DownscaleFreqShift { get; }

    /// <summary>Multiplies the arguments.</summary>
    public float Scale { get; }

    /// <summary>The features of <paramref name="timesteps"/> as [timesteps, channels] (valid until the next forward).</summary>
    public TensorView Forward(ReadOnlySpan<float> timesteps)
    {
        var output = _output.Get(timesteps.Length, Channels);
        Backend.TimestepEmbedding(timesteps, output, FlipSinToCos, DownscaleFreqShift, Scale);
        return output;
    }
}
