using System.Text;
using System.Text.Json;

namespace GenPipe.Text;

/// <summary>
/// GPT-2's byte-level BPE: text is split by GPT-2's pre-tokenization pattern, each piece's UTF-8 bytes become
/// printable symbols (<see cref="ByteUnicodeTable"/>), adjacent symbols merge lowest merge rank first, and the merged
/// symbols are looked up in the vocabulary. Every byte has a symbol, so any text encodes and decodes back exactly.
/// </summary>
/// <remarks>
/// Special tokens (for example <c>&lt;|endoftext|&gt;</c>) given at construction are matched literally before the
/// pre-tokenization and map to their vocabulary ids. Encoded pieces are memoized (up to 100,000); the tokenizer is safe to use from
/// several threads.
/// </remarks>
public sealed class ByteLevelBpeTokenizer : ITokenVocabulary
{
    private const int MaxRememberedPieces = 100_000;
    private readonly Dictionary<string, int> _vocab;
    private readonly string[] _tokens;
    private readonly Dictionary<(string Left, string Right), int> _ranks;
    private readonly string[] _specialTokens;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int[]> _pieces = new(StringComparer.Ordinal);

    /// <summary>Creates a tokenizer from a vocabulary (symbol string to id) and merges in rank order.</summary>
    /// <exception cref="ArgumentException">An id is negative or used twice, or a special token is not in the vocabulary.</exception>
    public ByteLevelBpeTokenizer(IReadOnlyDictionary<string, int> vocabulary, IEnumerable<(string Left, string Right)> merges, IEnumerable<string>? specialTokens = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(merges);
        _vocab = new Dictionary<string, int>(vocabulary, StringComparer.Ordinal);
        int size = _vocab.Count == 0 ? 0 : _vocab.Values.Max() + 1;
        _tokens = new string[size];
        foreach (var (token, id) in _vocab)
        {
            if (id < 0 || _tokens[id] is not null)
            {
                throw new ArgumentException($"Vocabulary id {id} of \"{token}\" is negative or already used by \"{(id < 0 ? "" : _tokens[id])}\".", nameof(vocabulary));
            }

            _tokens[id] = token;
        }

        _ranks = [];
        foreach (var pair in merges)
        {
            _ranks.TryAdd(pair, _ranks.Count);
        }

        _specialTokens = (specialTokens ?? []).Where(s => s.Length > 0).OrderByDescending(s => s.Length).ToArray();
        foreach (string special in _specialTokens)
        {
            if (!_vocab.ContainsKey(special))
            {
                throw new ArgumentException($"Special token \"{special}\" is not in the vocabulary.", nameof(specialTokens));
            }
        }
    }

    /// <inheritdoc />
    public int VocabularySize => _tokens.Length;

    /// <summary>The number of merges.</summary>
    public int MergeCount => _ranks.Count;

    /// <summary>
    /// Reads GPT-2's <c>vocab.json</c> (an object of symbol string to id) and <c>merges.txt</c> (a <c>#version</c>
    /// line, then one merge per line: two symbols separated by a space, in rank order).
    /// </summary>
    /// <exception cref="InvalidDataException">A file is malformed; the message names the file and the JSON path or line.</exception>
    public static ByteLevelBpeTokenizer FromFiles(string vocabPath, string mergesPath, IEnumerable<string>? specialTokens = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(vocabPath);
        ArgumentException.ThrowIfNullOrEmpty(mergesPath);
        var vocab = ReadVocabulary(File.ReadAllText(vocabPath), vocabPath);
        var merges = ReadMerges(File.ReadAllLines(mergesPath), mergesPath);
        try
        {
            return new ByteLevelBpeTokenizer(vocab, merges, specialTokens);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{vocabPath}: {e.Message}", e);
        }
    }

    /// <summary>Parses the text of a <c>vocab.json</c>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">Not a JSON object of integer ids.</exception>
    public static Dictionary<string, int> ReadVocabulary(string json, string source = "vocab.json")
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{source}: expected a JSON object of token -> id at $.");
            }

            var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out int id) || id < 0)
                {
                    throw new InvalidDataException($"{source}: $[{JsonSerializer.Serialize(property.Name)}] must be a non-negative integer id; got {property.Value.GetRawText()}.");
                }

                vocab[property.Name] = id;
            }

            return vocab;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({e.Message}).", e);
        }
    }

    /// <summary>Parses the lines of a <c>merges.txt</c>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">A line is not two symbols separated by one space.</exception>
    public static List<(string Left, string Right)> ReadMerges(IEnumerable<string> lines, string source = "merges.txt")
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(source);
        var merges = new List<(string, string)>();
        int number = 0;
        foreach (string line in lines)
        {
            number++;
            if ((number == 1 && line.StartsWith("#version", StringComparison.Ordinal)) || line.Length == 0)
            {
                continue;
            }

            string[] parts = line.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                throw new InvalidDataException($"{source} line {number}: expected two symbols separated by one space; got \"{line}\".");
            }

            merges.Add((parts[0], parts[1]));
        }

        return merges;
    }

    /// <inheritdoc />
    /// <remarks>A symbol string as the vocabulary writes it, as <c>Ġthe</c> or <c>&lt;|endoftext|&gt;</c>.</remarks>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _vocab.TryGetValue(token, out int id) ? id : null;
    }

    /// <inheritdoc />
    public string IdToToken(int id) =>
        (uint)id < (uint)_tokens.Length && _tokens[id] is string token
            ? token
            : throw new ArgumentOutOfRangeException(nameof(id), id, $"Not an id of this vocabulary of {_tokens.Length}.");

    /// <summary>GPT-2's pre-tokenization: contractions, words, numbers and other runs each with one optional leading space, then whitespace.</summary>
    public static IEnumerable<string> PreTokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Gpt2PreTokenizer.Split(text);
    }

    /// <inheritdoc />
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        int start = 0;
        while (start < text.Length)
        {
            var (at, special) = NextSpecial(text, start);
            foreach (string piece in Gpt2PreTokenizer.Split(text[start..at]))
            {
                ids.AddRange(_pieces.TryGetValue(piece, out int[]? known) ? known : Remember(piece));
            }

            if (special is null)
            {
                break;
            }

            ids.Add(_vocab[special]);
            start = at + special.Length;
        }

        return ids;
    }

    /// <inheritdoc />
    /// <remarks>Byte sequences that are not valid UTF-8 (a multi-byte character cut between ids) decode to U+FFFD.</remarks>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>();
        var text = new StringBuilder();
        foreach (int id in ids)
        {
            string token = IdToToken(id);
            if (Array.IndexOf(_specialTokens, token) >= 0)
            {
                Flush(bytes, text);
                text.Append(token);
                continue;
            }

            foreach (char symbol in token)
            {
                if (!ByteUnicodeTable.TryToByte(symbol, out byte value))
                {
                    throw new InvalidOperationException($"Token {id} (\"{token}\") has the character U+{(int)symbol:X4}, which is not a byte symbol of GPT-2's byte-level table.");
                }

                bytes.Add(value);
            }
        }

        Flush(bytes, text);
        return text.ToString();
    }

    private static void Flush(List<byte> bytes, StringBuilder text)
    {
        text.Append(Encoding.UTF8.GetString(bytes.ToArray()));
        bytes.Clear();
    }

    private (int At, string? Special) NextSpecial(string text, int start)
    {
        int best = text.Length;
        string? found = null;
        foreach (string special in _specialTokens)
        {
            int at = text.IndexOf(special, start, StringComparison.Ordinal);
            if (at >= 0 && at < best)
            {
                best = at;
                found = special;
            }
        }

        return (best, found);
    }

    // Memoizes up to MaxRememberedPieces pieces, so that a long-running service's memory stays bounded.
    private int[] Remember(string piece)
    {
        int[] ids = EncodePiece(piece);
        if (_pieces.Count < MaxRememberedPieces)
        {
            _pieces.TryAdd(piece, ids);
        }

        return ids;
    }

    private int[] EncodePiece(string piece)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(piece);
        var symbols = new List<string>(utf8.Length);
        foreach (byte b in utf8)
        {
            symbols.Add(ByteUnicodeTable.ToChar(b).ToString());
        }

        MergeByRank(symbols);
        var ids = new int[symbols.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = _vocab.TryGetValue(symbols[i], out int id)
                ? id
                : throw new InvalidOperationException($"The symbol \"{symbols[i]}\" of \"{piece}\" is not in the vocabulary (a byte-level vocabulary has all 256 byte symbols).");
        }

        return ids;
    }

    // Repeatedly merges every occurrence (left to right) of the adjacent pair with the lowest rank.
    private void MergeByRank(List<string> symbols)
    {
        while (symbols.Count > 1)
        {
            int bestRank = int.MaxValue;
            (string, string) bestPair = default;
            for (int i = 0; i + 1 < symbols.Count; i++)
            {
                if (_ranks.TryGetValue((symbols[i], symbols[i + 1]), out int rank) && rank < bestRank)
                {
                    bestRank = rank;
                    bestPair = (symbols[i], symbols[i + 1]);
                }
            }

            if (bestRank == int.MaxValue)
            {
                return;
            }

            int write = 0;
            for (int read = 0; read < symbols.Count; read++)
            {
                if (read + 1 < symbols.Count && symbols[read] == bestPair.Item1 && symbols[read + 1] == bestPair.Item2)
                {
                    symbols[write++] = bestPair.Item1 + bestPair.Item2;
                    read++;
                }
                else
                {
                    symbols[write++] = symbols[read];
                }
            }

            symbols.RemoveRange(write, symbols.Count - write);
        }
    }
}
