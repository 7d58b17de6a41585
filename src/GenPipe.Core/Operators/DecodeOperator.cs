using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Operators;
using GenPipe.Tensors;

namespace GenPipe.Core.Operators;

/// <summary><c>decode</c>: maps latents to data with a decoder (a VAE decoder, a GAN generator, the identity).</summary>
public sealed class DecodeOperator : IPipelineOperator
{
    /// <summary>The operator name.</summary>
    public const string OperatorName = "decode";

    /// <inheritdoc />
    public OperatorSignature Signature { get; } = new(
        OperatorName,
        "Decodes latents into data.",
        [new ComponentSlot("decoder", typeof(IDecoder), Description: "Maps a latent batch to data.")],
        [new InputPort("latents", typeof(Tensor), Description: "The latent batch, batch first.")],
        typeof(Tensor));

    /// <inheritdoc />
    public async ValueTask<object> ExecuteAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var latents = context.GetInput<Tensor>("latents");
        var decoder = await context.GetComponentAsync<IDecoder>("decoder", cancellationToken).ConfigureAwait(false);
        return await decoder.DecodeAsync(latents, cancellationToken).ConfigureAwait(false);
    }
}
