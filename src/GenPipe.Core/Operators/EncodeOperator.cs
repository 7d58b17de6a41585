using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Operators;
using GenPipe.Tensors;

namespace GenPipe.Core.Operators;

/// <summary>
/// <c>encode</c>: maps data to latents with an encoder (a VAE encoder, a flow's forward pass). An encoder that returns
/// a distribution (<see cref="GaussianLatent"/>) is sampled with the torch-compatible generator when a <c>seed</c> is
/// given and gives its mean otherwise, as diffusers' <c>latent_dist.sample(generator)</c> and <c>.mode()</c> do.
/// </summary>
public sealed class EncodeOperator : IPipelineOperator
{
    /// <summary>The operator name.</summary>
    public const string OperatorName = "encode";

    /// <inheritdoc />
    public OperatorSignature Signature { get; } = new(
        OperatorName,
        "Encodes data into latents.",
        [new ComponentSlot("encoder", typeof(IEncoder), Description: "Maps a data batch to latents.")],
        [
            new InputPort("data", typeof(Tensor), Description: "The data batch, batch first (images as [N, C, H, W] in [-1, 1])."),
            new InputPort("seed", typeof(int), Required: false, Description: "Samples the latent distribution with this seed; without it, its mean."),
        ],
        typeof(Tensor));

    /// <inheritdoc />
    public async ValueTask<object> ExecuteAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var data = context.GetInput<Tensor>("data");
        await using var encoder = await context.AcquireAsync<IEncoder>("encoder", cancellationToken).ConfigureAwait(false);
        var encoding = await encoder.Value.EncodeAsync(data, cancellationToken).ConfigureAwait(false);
        return encoding.Sample(context.HasInput("seed") ? new TorchGenerator(context.GetInput<int>("seed")) : null);
    }
}
