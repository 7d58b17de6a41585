namespace GenPipe.Abstractions.Models;

/// <summary>Text to token ids and back (byte-level BPE, characters, ...).</summary>
public interface ITokenizer
{
    /// <summary>The number of token ids (the largest id plus one).</summary>
    int VocabularySize { get; }

    /// <summary>The ids of <paramref name="text"/>.</summary>
    IReadOnlyList<int> Encode(string text);

    /// <summary>
    /// The text of <paramref name="ids"/>. Bytes that do not form whole characters (a BPE token may end inside one)
    /// decode to U+FFFD, so streaming callers decode the whole sequence and emit what grew.
    /// </summary>
    string Decode(ReadOnlySpan<int> ids);
}
