namespace GenPipe.Autoregressive.Generation;

/// <summary>What to generate: prompts, how much, when to stop, and the seed.</summary>
public sealed record GenerationRequest
{
    /// <summary>The prompts, one per sequence. An empty prompt starts from the model's <c>bos_token_id</c>.</summary>
    public required IReadOnlyList<string> Prompts { get; init; }

    /// <summary>The most tokens generated after each prompt (<c>max_new_tokens</c>).</summary>
    public int MaxNewTokens { get; init; } = 100;

    /// <summary>Seeds the PyTorch-compatible generator the sampler draws from.</summary>
    public long Seed { get; init; }

    /// <summary>Texts that end a sequence once it contains them (<c>stop_strings</c>); the text keeps the stop string.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>End a sequence at the model's end-of-sequence ids (the id itself adds no text).</summary>
    public bool StopAtEndOfSequence { get; init; } = true;

    /// <summary><paramref name="count"/> sequences from the same prompt (a batch whose rows sample independently).</summary>
    public static GenerationRequest Repeat(string prompt, int count, int maxNewTokens, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return new GenerationRequest { Prompts = [.. Enumerable.Repeat(prompt, count)], MaxNewTokens = maxNewTokens, Seed = seed };
    }
}
