namespace GenPipe.Abstractions.Models;

/// <summary>What a <c>generate</c> step produces: each sequence's prompt and continuation.</summary>
/// <param name="Prompts">The prompts, one per sequence.</param>
/// <param name="Continuations">The generated text of each sequence, prompt excluded.</param>
public sealed record GeneratedText(IReadOnlyList<string> Prompts, IReadOnlyList<string> Continuations) : Operators.IOutputSummary
{
    /// <inheritdoc />
    public string Summary => $"{Continuations.Count} sequence(s), {Continuations.Sum(c => c.Length)} characters";

    /// <summary>The sequences, each prompt followed by its continuation, separated by blank lines.</summary>
    public override string ToString() =>
        string.Join("\n\n", Prompts.Zip(Continuations, (prompt, continuation) => prompt + continuation));
}
