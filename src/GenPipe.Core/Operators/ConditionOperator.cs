using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Operators;

namespace GenPipe.Core.Operators;

/// <summary>
/// <c>condition</c>: turns a prompt into a <see cref="Conditioning"/> with a conditioner (a text encoder, a class
/// embedding), one row per sample; without a <c>text</c>, the conditioner's unconditional ("empty") conditioning, the
/// negative side of classifier-free guidance.
/// </summary>
public sealed class ConditionOperator : IPipelineOperator
{
    /// <summary>The operator name.</summary>
    public const string OperatorName = "condition";

    /// <inheritdoc />
    public OperatorSignature Signature { get; } = new(
        OperatorName,
        "Encodes a prompt (or nothing, for the unconditional side) into conditioning.",
        [new ComponentSlot("conditioner", typeof(IConditioner), Description: "Maps prompts to embeddings.")],
        [
            new InputPort("text", typeof(string), Required: false, Description: "The prompt; leave it out for the unconditional conditioning."),
            new InputPort("count", typeof(int), Required: false, Default: 1, Description: "How many rows (samples) to condition.") { Minimum = 1 },
        ],
        typeof(Conditioning));

    /// <inheritdoc />
    public async ValueTask<object> ExecuteAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        int count = context.GetInput<int>("count");
        if (count < 1)
        {
            throw new ArgumentException($"Step '{context.StepId}': input 'count' is {count}; it must be at least 1.");
        }

        await using var conditioner = await context.AcquireAsync<IConditioner>("conditioner", cancellationToken).ConfigureAwait(false);
        return context.HasInput("text")
            ? await conditioner.Value.EncodeAsync(new ConditioningInput(Text: Enumerable.Repeat(context.GetInput<string>("text"), count).ToArray()), cancellationToken).ConfigureAwait(false)
            : await conditioner.Value.EncodeUnconditionalAsync(count, cancellationToken).ConfigureAwait(false);
    }
}
