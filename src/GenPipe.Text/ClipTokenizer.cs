using System.Text;
using GenPipe.Text.Normalization;
using Microsoft.ML.Tokenizers;

namespace GenPipe.Text;

/// <summary>
/// CLIP's tokenizer as OpenAI's reference (<c>simple_tokenizer.py</c>) encodes, the one Stable Diffusion's text
/// encoder reads: the text is cleaned (NFC, HTML unescaped twice, whitespace collapsed, lower-cased: Python's
/// definitions of each), split by CLIP's pattern, each piece's UTF-8 bytes become GPT-2's printable byte symbols with
/// <c>&lt;/w&gt;</c> on the last, and the symbols merge by rank.
/// </summary>
/// <remarks>
/// <para>The merging runs on Microsoft.ML.Tokenizers' <c>BpeTokenizer</c> (byte-level, end-of-word suffix
/// <c>&lt;/w&gt;</c>), which gives the reference's ids for every piece. What it lacks is written here: the text
/// cleaning (it has no NFC without ICU, no HTML unescaping, and lower-cases with .NET's rules) and the pre-tokenizer
/// (its regex pre-tokenizer classifies UTF-16 units and misses the long s; see <see cref="ClipPreTokenizer"/>), which
/// also decides where <c>&lt;|endoftext|&gt;</c> counts as the special token: only where a match of the pattern starts
/// (<c>!&lt;|endoftext|&gt;</c> is the pieces <c>!&lt;|</c>, <c>endoftext</c>, <c>|&gt;</c>), not wherever it occurs.</para>
/// <para>Safe to use from several threads.</para>
/// </remarks>
public sealed class ClipTokenizer : ITokenVocabulary
{
    /// <summary>The start-of-text token (bos).</summary>
    public const string StartOfTextToken = "<|startoftext|>";

    /// <summary>The end-of-text token (eos; Stable Diffusion 1.x also pads with it).</summary>
    public const string EndOfTextToken = "<|endoftext|>";

    /// <summary>The length of CLIP's text encoder input (its position embeddings).</summary>
    public const int DefaultMaxLength = 77;

    private const string EndOfWord = "</w>";
    private readonly BpeTokenizer _bpe;
    private readonly Dictionary<string, int> _vocab;
    private readonly string[] _tokens;

    /// <summary>Creates the tokenizer from a vocabulary (symbol to id) and merges in rank order.</summary>
    /// <param name="vocabulary">CLIP's symbols: the byte symbols, with and without <c>&lt;/w&gt;</c>, merged symbols and the two special tokens.</param>
    /// <param name="merges">The merges, lowest rank first.</param>
    /// <param name="padToken">The token that pads <see cref="EncodeForTextEncoder(string)"/>; <see cref="EndOfTextToken"/> when null (SD 1.x), <c>!</c> in SD 2.x.</param>
    /// <param name="maxLength">The text encoder's input length.</param>
    /// <exception cref="ArgumentException">A special or pad token is not in the vocabulary, an id is negative or used twice, or a merge's symbols are not.</exception>
    public ClipTokenizer(IReadOnlyDictionary<string, int> vocabulary, IEnumerable<(string Left, string Right)> merges, string? padToken = null, int maxLength = DefaultMaxLength)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(merges);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        _vocab = new Dictionary<string, int>(vocabulary, StringComparer.Ordinal);
        _tokens = new string[_vocab.Count == 0 ? 0 : _vocab.Values.Max() + 1];
        foreach (var (token, id) in _vocab)
        {
            if (id < 0 || _tokens[id] is not null)
            {
                throw new ArgumentException($"Vocabulary id {id} of \"{token}\" is negative or already used by \"{(id < 0 ? "" : _tokens[id])}\".", nameof(vocabulary));
            }

            _tokens[id] = token;
        }

        StartOfTextId = Require(StartOfTextToken, "start-of-text token", nameof(vocabulary));
        EndOfTextId = Require(EndOfTextToken, "end-of-text token", nameof(vocabulary));
        PadToken = padToken ?? EndOfTextToken;
        PadId = Require(PadToken, "pad token", nameof(padToken));
        MaxLength = maxLength;
        var specials = new Dictionary<string, int>(StringComparer.Ordinal) { [StartOfTextToken] = StartOfTextId, [EndOfTextToken] = EndOfTextId };
        try
        {
            _bpe = BpeTokenizer.Create(new BpeOptions(_vocab)
            {
                Merges = merges.Select(m => $"{m.Left} {m.Right}"),
                ByteLevel = true,
                EndOfWordSuffix = EndOfWord,
                PreTokenizer = ClipPreTokenizer.ForMl.Instance,
                SpecialTokens = specials,
            });
        }
        catch (InvalidOperationException e)
        {
            throw new ArgumentException($"The merges (merges.txt) do not fit the vocabulary (vocab.json): {e.Message}", nameof(merges), e);
        }
    }

    /// <inheritdoc />
    public int VocabularySize => _tokens.Length;

    /// <summary>The id of <see cref="StartOfTextToken"/> (49406 in CLIP's vocabulary).</summary>
    public int StartOfTextId { get; }

    /// <summary>The id of <see cref="EndOfTextToken"/> (49407 in CLIP's vocabulary).</summary>
    public int EndOfTextId { get; }

    /// <summary>The token that fills <see cref="EncodeForTextEncoder(string)"/> after the end-of-text token.</summary>
    public string PadToken { get; }

    /// <summary>The id of <see cref="PadToken"/>.</summary>
    public int PadId { get; }

    /// <summary>The text encoder's input length, the length of <see cref="EncodeForTextEncoder(string)"/>.</summary>
    public int MaxLength { get; }

    /// <summary>Loads the tokenizer from a folder laid out as a Stable Diffusion model's <c>tokenizer/</c> (see <see cref="TokenizerFiles.LoadClip"/>).</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException"><c>vocab.json</c> or <c>merges.txt</c> is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed; the message names it.</exception>
    public static ClipTokenizer Load(string directory) => TokenizerFiles.LoadClip(directory);

    /// <summary>The reference's text cleaning: NFC, HTML unescaped twice, stripped, whitespace runs to one space, lower case.</summary>
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ClipTextCleaner.Clean(text);
    }

    /// <summary>The pieces CLIP's pattern splits already <see cref="Clean"/>ed text into; each is encoded on its own.</summary>
    public static IEnumerable<string> PreTokenize(string cleanText)
    {
        ArgumentNullException.ThrowIfNull(cleanText);
        return ClipPreTokenizer.Split(cleanText).Select(p => cleanText.Substring(p.Offset, p.Length));
    }

    /// <inheritdoc />
    /// <remarks>The ids of the text alone, without the start- and end-of-text tokens.</remarks>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string clean = ClipTextCleaner.Clean(text);
        return clean.Length == 0 ? [] : _bpe.EncodeToIds(clean, considerPreTokenization: true, considerNormalization: false);
    }

    /// <summary>
    /// The text encoder's input as Stable Diffusion builds it: the start-of-text id, the text's first
    /// <see cref="MaxLength"/> - 2 ids, the end-of-text id, then <see cref="PadId"/> up to <see cref="MaxLength"/>.
    /// </summary>
    public int[] EncodeForTextEncoder(string text) => EncodeForTextEncoder(text, MaxLength);

    /// <summary>As <see cref="EncodeForTextEncoder(string)"/>, for an encoder of <paramref name="maxLength"/> positions.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is below 2 (no room for the start and end).</exception>
    public int[] EncodeForTextEncoder(string text, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        var ids = Encode(text);
        int kept = Math.Min(ids.Count, maxLength - 2);
        var input = new int[maxLength];
        input[0] = StartOfTextId;
        for (int i = 0; i < kept; i++)
        {
            input[1 + i] = ids[i];
        }

        input[kept + 1] = EndOfTextId;
        Array.Fill(input, PadId, kept + 2, maxLength - kept - 2);
        return input;
    }

    /// <inheritdoc />
    /// <remarks>As the reference decodes: the symbols' bytes as UTF-8, each <c>&lt;/w&gt;</c> read as a space (so the text ends in one).</remarks>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            foreach (char symbol in IdToToken(id))
            {
                bytes.Add(ByteUnicodeTable.TryToByte(symbol, out byte value)
                    ? value
                    : throw new InvalidOperationException($"Token {id} (\"{IdToToken(id)}\") has the character U+{(int)symbol:X4}, which is not a byte symbol."));
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray()).Replace(EndOfWord, " ", StringComparison.Ordinal);
    }

    /// <inheritdoc />
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

    private int Require(string token, string what, string parameter) =>
        _vocab.TryGetValue(token, out int id) ? id : throw new ArgumentException($"The vocabulary has no {what} \"{token}\".", parameter);
}
