using GenPipe.Tensors;

namespace GenPipe.Abstractions.Models;

/// <summary>
/// Maps data to a latent representation (a VAE or VQ encoder, a flow's forward pass, a tokenizer). Latents are in the
/// space the models that consume them work in: an autoencoder whose latents a denoiser sees scaled (Stable Diffusion's
/// <c>scaling_factor</c>, 0.18215) applies its scaling itself, from its own config, and its <see cref="IDecoder"/> side
/// undoes it; pipeline authors never see the factor.
/// </summary>
public interface IEncoder
{
    /// <summary>Encodes a batch.</summary>
    ValueTask<LatentEncoding> EncodeAsync(Tensor data, CancellationToken cancellationToken);
}

/// <summary>What an encoder returns. Each family fills what it has.</summary>
public abstract record LatentEncoding
{
    /// <summary>A latent to continue with: the mean, a reparameterised sample, the codes, or z.</summary>
    public abstract Tensor Sample(IRandomSource? random);
}

/// <summary>A diagonal Gaussian (VAE): sample by reparameterisation, mean + exp(logvar / 2) * noise.</summary>
public sealed record GaussianLatent(Tensor Mean, Tensor LogVariance) : LatentEncoding
{
    /// <inheritdoc />
    public override Tensor Sample(IRandomSource? random)
    {
        if (random is null)
        {
            return Mean.Clone();
        }

        var noise = random.Randn(Mean.GetShape());
        var result = Mean.Clone();
        var r = result.Span;
        var lv = LogVariance.Span;
        var n = noise.Span;
        for (int i = 0; i < r.Length; i++)
        {
            r[i] += MathF.Exp(0.5f * lv[i]) * n[i];
        }

        return result;
    }
}

/// <summary>A deterministic latent, with the log-determinant of the Jacobian when a normalising flow produced it.</summary>
public sealed record DeterministicLatent(Tensor Latent, Tensor? LogDeterminant = null) : LatentEncoding
{
    /// <inheritdoc />
    public override Tensor Sample(IRandomSource? random) => Latent;
}

/// <summary>Discrete codes (a VQ encoder or a tokenizer), shape [batch, length], stored as float-valued integers.</summary>
public sealed record CodeLatent(Tensor Codes) : LatentEncoding
{
    /// <inheritdoc />
    public override Tensor Sample(IRandomSource? random) => Codes;
}
