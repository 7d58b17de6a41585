namespace GenPipe.Abstractions.Models;

/// <summary>
/// One token as a text generator produces it, streamed to the CLI and to embedding apps
/// (<c>OperatorContext.ReportOutput</c>, <c>PipelineEngine.StreamAsync</c>).
/// </summary>
/// <param name="Sequence">Which sequence of the batch it extends (0-based).</param>
/// <param name="Index">Its position among the sequence's new tokens (0-based).</param>
/// <param name="TokenId">The token id.</param>
/// <param name="Text">
/// The text this token adds. Concatenating the <paramref name="Text"/> of a sequence's tokens gives its whole
/// continuation; a token that ends inside a multi-byte character adds nothing until the character is complete.
/// </param>
/// <param name="IsLast">True for the sequence's last token (a stopping criterion held).</param>
/// <param name="Prompt">
/// On a sequence's first token (<paramref name="Index"/> 0), the prompt text the sequence continues, so a reader can
/// show the whole text; null on the others.
/// </param>
public sealed record GeneratedToken(int Sequence, int Index, int TokenId, string Text, bool IsLast, string? Prompt = null) : Operators.IStreamedText
{
    /// <inheritdoc />
    bool Operators.IStreamedText.IsFirst => Index == 0;

    /// <inheritdoc />
    string? Operators.IStreamedText.Prefix => Prompt;

    /// <summary>A token without its prompt (the constructor of contracts 1.0, kept so plugins built against it run).</summary>
    public GeneratedToken(int sequence, int index, int tokenId, string text, bool isLast)
        : this(sequence, index, tokenId, text, isLast, null)
    {
    }
}
