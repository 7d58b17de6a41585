namespace GenPipe.Nn.Text;

/// <summary>Text to token ids and back.</summary>
public interface ITextTokenizer
{
    /// <summary>The number of token ids (the largest id plus one).</summary>
    int VocabularySize { get; }

    /// <summary>The ids of <paramref name="text"/>.</summary>
    IReadOnlyList<int> Encode(string text);

    /// <summary>The text of <paramref name="ids"/>.</summary>
    string Decode(ReadOnlySpan<int> ids);
}
