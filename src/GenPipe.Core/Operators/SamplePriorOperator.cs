using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Operators;
using GenPipe.Tensors;

namespace GenPipe.Core.Operators;

/// <summary>
/// <c>sample_prior</c>: draws latents from a model's prior (<see cref="IPriorSampler"/>) with the torch-compatible
/// generator, so the same seed gives the same latents as <c>torch.randn(shape, generator=torch.manual_seed(seed))</c>
/// scaled by the model. Followed by <c>decode</c> on the same component it samples the model.
/// </summary>
public sealed class SamplePriorOperator : IPipelineOperator
{
    /// <summary>The operator name.</summary>
    public const string OperatorName = "sample_prior";

    /// <summary>The most latents one step draws (one batch).</summary>
    public const int MaxCount = 4096;

    /// <inheritdoc />
    public OperatorSignature Signature { get; } = new(
        OperatorName,
        "Draws latents from a model's prior (a VAE's Gaussian, a GAN's noise, a flow's base distribution).",
        [new ComponentSlot("model", typeof(IPriorSampler), Description: "The model whose prior to draw from.")],
        [
            new InputPort("count", typeof(int), Required: false, Default: 1, Description: "How many latents to draw (the batch size).") { Minimum = 1, Maximum = MaxCount },
            new InputPort("seed", typeof(int), Required: false, Default: 0, Description: "Seed of the torch-compatible generator."),
            new InputPort("temperature", typeof(double), Required: false, Default: 1.0, Description: "Scales the prior's spread: 1 is the prior, lower gives more typical samples, 0 the prior's mode.") { Minimum = 0, Maximum = 10 },
        ],
        typeof(Tensor));

    /// <inheritdoc />
    public async ValueTask<object> ExecuteAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        int count = context.GetInput<int>("count");
        var random = new TorchGenerator(context.GetInput<int>("seed"));
        double temperature = context.GetInput<double>("temperature");
        var model = await context.GetComponentAsync<IPriorSampler>("model", cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return model.SamplePrior(count, temperature, random);
    }
}
