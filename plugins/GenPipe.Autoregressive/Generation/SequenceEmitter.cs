using GenPipe.Abstractions.Models;

namespace GenPipe.Autoregressive.Generation;

/// <summary>
/// Follows one generated sequence: turns each new id into a <see cref="GeneratedToken"/> carrying the text it adds, and
/// decides when the sequence is done (max new tokens, an end-of-sequence id, a stop string).
/// </summary>
internal sealed class SequenceEmitter
{
    private readonly ITokenizer _tokenizer;
    private readonly IReadOnlyCollection<int> _endOfSequence;
    private readonly IReadOnlyList<string> _stopStrings;
    private readonly int _maxNewTokens;
    private readonly List<int> _generated = [];
    private readonly int _sequence;
    private readonly string? _prompt;
    private int _emittedLength;
    private string _text = "";

    public SequenceEmitter(int sequence, ITokenizer tokenizer, IReadOnlyCollection<int> endOfSequence, IReadOnlyList<string> stopStrings, int maxNewTokens, string? prompt = null)
    {
        _sequence = sequence;
        _prompt = prompt;
        _tokenizer = tokenizer;
        _endOfSequence = endOfSequence;
        _stopStrings = stopStrings;
        _maxNewTokens = maxNewTokens;
    }

    /// <summary>True once a stopping criterion held.</summary>
    public bool Done { get; private set; }

    /// <summary>The ids generated so far (end-of-sequence id included).</summary>
    public IReadOnlyList<int> Generated => _generated;

    /// <summary>The text generated so far (end-of-sequence ids add none).</summary>
    public string Text => _text;

    /// <summary>Appends <paramref name="token"/> and returns it with the text it adds.</summary>
    public GeneratedToken Accept(int token)
    {
        if (Done)
        {
            throw new InvalidOperationException($"Sequence {_sequence} is already done.");
        }

        _generated.Add(token);
        bool endOfSequence = _endOfSequence.Contains(token);
        if (!endOfSequence)
        {
            // Decode everything so far: a byte-level token may complete a character an earlier token began.
            _text = _tokenizer.Decode(TextIds());
        }

        Done = endOfSequence
            || _generated.Count >= _maxNewTokens
            || _stopStrings.Any(stop => _text.AsSpan(Math.Max(0, _emittedLength - stop.Length)).Contains(stop, StringComparison.Ordinal));

        // Hold back a trailing replacement character: the next token may complete it.
        int ready = _text.Length;
        if (!Done && ready > _emittedLength && _text[ready - 1] == '\uFFFD')
        {
            ready--;
        }

        string added = ready > _emittedLength ? _text[_emittedLength..ready] : "";
        _emittedLength = Math.Max(_emittedLength, ready);
        return new GeneratedToken(_sequence, _generated.Count - 1, token, added, Done, _generated.Count == 1 ? _prompt : null);
    }

    private int[] TextIds() => [.. _generated.Where(id => !_endOfSequence.Contains(id))];
}
