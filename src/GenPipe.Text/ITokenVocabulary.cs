using GenPipe.Abstractions.Models;

namespace GenPipe.Text;

/// <summary>A tokenizer whose ids stand for vocabulary symbols (the strings its vocabulary file lists), for showing tokens.</summary>
public interface ITokenVocabulary : ITokenizer
{
    /// <summary>The id of <paramref name="token"/>, a vocabulary symbol, or null when the vocabulary lacks it.</summary>
    int? TokenToId(string token);

    /// <summary>The vocabulary symbol of <paramref name="id"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is not an id of the vocabulary.</exception>
    string IdToToken(int id);
}
