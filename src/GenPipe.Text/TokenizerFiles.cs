using GenPipe.Abstractions.Models;

namespace GenPipe.Text;

/// <summary>Finds the tokenizer a model folder holds, the way Hugging Face folders lay it out.</summary>
public static class TokenizerFiles
{
    /// <summary>
    /// <c>vocab.json</c> + <c>merges.txt</c> is GPT-2's byte-level BPE; a <c>vocab.json</c> alone is a character
    /// vocabulary (a JSON list of characters, or an object from character to id).
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder has no <c>vocab.json</c>.</exception>
    /// <exception cref="InvalidDataException">A tokenizer file is malformed; the message names it.</exception>
    public static ITokenizer Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string vocab = Path.Combine(directory, "vocab.json");
        string merges = Path.Combine(directory, "merges.txt");
        if (!File.Exists(vocab))
        {
            throw new FileNotFoundException(
                $"{directory}: no vocab.json. A model folder needs its tokenizer: vocab.json + merges.txt (byte-level BPE) or vocab.json alone (characters).",
                vocab);
        }

        if (!File.Exists(merges))
        {
            return CharacterTokenizer.Load(vocab);
        }

        // GPT-2's end-of-text token is special (never split, never merged) when the vocabulary has it.
        const string EndOfText = "<|endoftext|>";
        var vocabulary = ByteLevelBpeTokenizer.ReadVocabulary(File.ReadAllText(vocab), vocab);
        var rankedMerges = ByteLevelBpeTokenizer.ReadMerges(File.ReadLines(merges), merges);
        return new ByteLevelBpeTokenizer(vocabulary, rankedMerges, vocabulary.ContainsKey(EndOfText) ? [EndOfText] : []);
    }
}
