using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Operators;
using GenPipe.Autoregressive.Generation;

namespace GenPipe.Autoregressive;

/// <summary>
/// <c>generate</c>: continues a prompt with a language model, token by token, choosing each with a sampler, and streams
/// every token (<see cref="GeneratedToken"/>) as it is chosen. With a <c>draft</c> model it decodes speculatively; the
/// text keeps the model's distribution (with a greedy sampler it is the same text).
/// </summary>
public sealed class GenerateOperator : IPipelineOperator, IStepPreflight
{
    /// <summary>The operator name.</summary>
    public const string OperatorName = "generate";

    /// <inheritdoc />
    public OperatorSignature Signature { get; } = new(
        OperatorName,
        "Continues a prompt with a language model, streaming tokens; optional speculative decoding with a draft model.",
        [
            new ComponentSlot("model", typeof(ILanguageModel), Description: "The language model (network, tokenizer, end-of-sequence ids)."),
            new ComponentSlot("sampler", typeof(ISampler), Description: "Chooses each token: greedy, or sampling with temperature, top-k, top-p, ..."),
            new ComponentSlot("draft", typeof(ILanguageModel), Required: false, Description: "A small model with the same vocabulary that drafts tokens for the model to verify."),
        ],
        [
            new InputPort("prompt", typeof(string), Required: false, Default: "", Description: "The text to continue; empty starts a fresh sequence from the model's bos token."),
            new InputPort("max_new_tokens", typeof(int), Required: false, Default: 200, Description: "The most tokens generated after the prompt.") { Minimum = 1 },
            new InputPort("seed", typeof(int), Required: false, Default: 0, Description: "Seed of the torch-compatible generator the sampler draws from."),
            new InputPort("count", typeof(int), Required: false, Default: 1, Description: "How many sequences to generate from the prompt, as one batch; they must fit in memory.") { Minimum = 1 },
            new InputPort("stop", typeof(string), Required: false, Description: "A text that ends a sequence once generated (kept in the output)."),
            new InputPort("stop_at_eos", typeof(bool), Required: false, Default: true, Description: "End a sequence at the model's end-of-sequence token."),
            new InputPort("draft_tokens", typeof(int), Required: false, Default: 2, Description: "With a draft model: tokens drafted per verification.") { Minimum = 1 },
        ],
        typeof(GeneratedText),
        StreamsOutput: true);

    /// <summary>
    /// Before the run: the memory the generated sequences need at least, whatever the model (a token id and at least one
    /// character per generated token, per sequence); the model's own buffers come on top.
    /// </summary>
    public IEnumerable<PreflightFinding> Preflight(PreflightContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.TryGetInput("count", out int count) && context.TryGetInput("max_new_tokens", out int maxNewTokens) && count >= 1 && maxNewTokens >= 1)
        {
            const long bytesPerToken = sizeof(int) + sizeof(char);
            long tokens = (long)count * maxNewTokens;
            long bytes = tokens > long.MaxValue / bytesPerToken ? long.MaxValue : tokens * bytesPerToken;
            yield return PreflightFinding.Memory("count", bytes, $"{count} sequences of up to {maxNewTokens} tokens (a token id and a character each)");
        }
    }

    /// <inheritdoc />
    public async ValueTask<object> ExecuteAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        string prompt = context.GetInput<string>("prompt") ?? "";
        int maxNewTokens = context.GetInput<int>("max_new_tokens");
        int count = context.GetInput<int>("count");
        int draftTokens = context.GetInput<int>("draft_tokens");
        string? stop = context.HasInput("stop") ? context.GetInput<string>("stop") : null;
        Require(context, maxNewTokens >= 1, "max_new_tokens", $"must be at least 1, got {maxNewTokens}");
        Require(context, count >= 1, "count", $"must be at least 1, got {count}");
        Require(context, draftTokens >= 1, "draft_tokens", $"must be at least 1, got {draftTokens}");
        Require(context, stop is null || stop.Length > 0, "stop", "must not be empty; leave it out to stop only at max_new_tokens and end-of-sequence");

        var model = await context.GetComponentAsync<ILanguageModel>("model", cancellationToken).ConfigureAwait(false);
        var sampler = await context.GetComponentAsync<ISampler>("sampler", cancellationToken).ConfigureAwait(false);
        SpeculativeOptions? speculative = null;
        if (context.HasComponent("draft"))
        {
            var draft = await context.GetComponentAsync<ILanguageModel>("draft", cancellationToken).ConfigureAwait(false);
            Require(context, draft.VocabularySize == model.VocabularySize, "draft",
                $"has {draft.VocabularySize} token ids but the model has {model.VocabularySize}; a draft model must share the model's vocabulary");
            speculative = new SpeculativeOptions(draft, draftTokens);
        }

        var request = GenerationRequest.Repeat(prompt, count, maxNewTokens, context.GetInput<int>("seed")) with
        {
            StopStrings = stop is null ? [] : [stop],
            StopAtEndOfSequence = context.GetInput<bool>("stop_at_eos"),
        };
        var texts = new System.Text.StringBuilder[count];
        for (int i = 0; i < count; i++)
        {
            texts[i] = new System.Text.StringBuilder();
        }

        int produced = 0;
        var generator = new TextGenerator(model, sampler, speculative);
        await foreach (var token in generator.StreamAsync(request, cancellationToken).ConfigureAwait(false))
        {
            texts[token.Sequence].Append(token.Text);
            context.ReportOutput(token);
            context.ReportIteration(++produced, maxNewTokens * count);
        }

        return new GeneratedText(request.Prompts, [.. texts.Select(t => t.ToString())]);
    }

    private static void Require(OperatorContext context, bool condition, string input, string problem)
    {
        if (!condition)
        {
            throw new ArgumentException($"Step '{context.StepId}': {input} {problem}.");
        }
    }
}
