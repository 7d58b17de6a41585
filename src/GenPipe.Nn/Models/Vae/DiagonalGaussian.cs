using GenPipe.Tensors;

namespace GenPipe.Nn.Models.Vae;

/// <summary>
/// The encoder's posterior as diffusers' <c>DiagonalGaussianDistribution</c>: the moments split along channels into
/// the mean and the log-variance, the log-variance clamped to [<see cref="LogVarMin"/>, <see cref="LogVarMax"/>],
/// <c>std = exp(logvar / 2)</c> and <c>var = exp(logvar)</c>.
/// </summary>
/// <remarks>
/// Made by <see cref="AutoencoderKL.Encode"/>, which reuses one instance: its views live in the model's buffers and stay
/// valid until the model's next <see cref="AutoencoderKL.Encode"/>; <see cref="Sample"/>'s result until the next
/// <see cref="Sample"/>.
/// </remarks>
public sealed class DiagonalGaussian
{
    /// <summary>The log-variance's lower clamp (diffusers': -30).</summary>
    public const float LogVarMin = -30f;

    /// <summary>The log-variance's upper clamp (diffusers': 20).</summary>
    public const float LogVarMax = 20f;

    private readonly Module _owner;
    private readonly ActivationBuffer _mean;
    private readonly ActivationBuffer _logVar;
    private readonly ActivationBuffer _std;
    private readonly ActivationBuffer _var;
    private readonly ActivationBuffer _sample;

    internal DiagonalGaussian(Module owner, ActivationBuffer mean, ActivationBuffer logVar, ActivationBuffer std, ActivationBuffer var, ActivationBuffer sample)
    {
        _owner = owner;
        _mean = mean;
        _logVar = logVar;
        _std = std;
        _var = var;
        _sample = sample;
    }

    /// <summary>The parameters [B, 2C, h, w] the posterior was made from (<c>quant_conv</c>'s output).</summary>
    public TensorView Moments { get; private set; }

    /// <summary>The mean [B, C, h, w]: the first C channels of the moments.</summary>
    public TensorView Mean { get; private set; }

    /// <summary>The log-variance [B, C, h, w]: the last C channels of the moments, clamped.</summary>
    public TensorView LogVar { get; private set; }

    /// <summary>The standard deviation, <c>exp(0.5 logvar)</c>.</summary>
    public TensorView Std { get; private set; }

    /// <summary>The variance, <c>exp(logvar)</c>.</summary>
    public TensorView Var { get; private set; }

    /// <summary>The distribution's mode, which is its mean (what <c>sample_posterior=False</c> decodes).</summary>
    public TensorView Mode() => Mean;

    /// <summary>
    /// <c>mean + std * noise</c> for standard normal <paramref name="noise"/> of the mean's shape, which is what
    /// diffusers' <c>sample(generator)</c> computes from the noise its generator draws.
    /// </summary>
    /// <exception cref="ArgumentException">The noise's shape differs from the mean's.</exception>
    public TensorView Sample(TensorView noise)
    {
        if (noise.Shape != Mean.Shape)
        {
            throw new ArgumentException($"The posterior's noise must have the mean's shape {Mean.Shape}; got {noise.Shape}.", nameof(noise));
        }

        var backend = _owner.BackendForBuffers;
        var sample = _sample.Get(Mean.Dim(0), Mean.Dim(1), Mean.Dim(2), Mean.Dim(3));
        backend.Multiply(Std, noise, sample);
        backend.Add(sample, Mean, sample);
        return sample;
    }

    // Splits and transforms the moments into this instance's buffers.
    internal void Compute(TensorView moments)
    {
        if (moments.Rank != 4 || moments.Dim(1) % 2 != 0)
        {
            throw new ArgumentException($"Posterior moments must be [B, 2C, h, w]; got {moments.Shape}.", nameof(moments));
        }

        var backend = _owner.BackendForBuffers;
        int b = moments.Dim(0), c = moments.Dim(1) / 2, h = moments.Dim(2), w = moments.Dim(3);
        Moments = moments;
        Mean = _mean.Get(b, c, h, w);
        backend.Copy(moments.Slice(1, 0, c), Mean);
        LogVar = _logVar.Get(b, c, h, w);
        backend.Clamp(moments.Slice(1, c, c), LogVarMin, LogVarMax, LogVar);
        Std = _std.Get(b, c, h, w);
        backend.Exp(LogVar, 0.5f, Std);
        Var = _var.Get(b, c, h, w);
        backend.Exp(LogVar, 1f, Var);
    }
}
