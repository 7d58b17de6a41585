using System.Diagnostics;
using System.Numerics.Tensors;
using GenPipe.Autoregressive.Gpt2;
using GenPipe.Tensors;

namespace GenPipe.Bench.Generation;

/// <summary>
/// Greedy decoding straight on <see cref="Gpt2Model.Forward"/>, the same work as the PyTorch peer's loop: a prompt
/// forward (prompt processing) that picks each sequence's first token, then one single-token forward per new token
/// (generation), each followed by an argmax. Buffers are made once per batch size, so a timed step allocates nothing.
/// </summary>
internal sealed class GreedyLoop
{
    private readonly Gpt2Model _model;
    private readonly Gpt2KeyValueCache _cache;
    private readonly int[] _prompts;
    private readonly int[] _step;

    /// <summary>A loop for the batch of <paramref name="prompts"/> (equal lengths).</summary>
    public GreedyLoop(Gpt2Model model, IReadOnlyList<int[]> prompts)
    {
        _model = model;
        Batch = prompts.Count;
        _cache = model.CreateCache(Batch);
        _prompts = [.. prompts.SelectMany(p => p)];
        _step = new int[Batch];
    }

    /// <summary>Sequences in the batch.</summary>
    public int Batch { get; }

    /// <summary>Empties the cache, feeds the prompts and returns the milliseconds taken; the first tokens are then in <see cref="LastTokens"/>.</summary>
    public double Prefill()
    {
        long start = Stopwatch.GetTimestamp();
        _cache.Clear();
        ChooseNext(_model.Forward(_prompts, Batch, _cache));
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>The calling thread's CPU milliseconds in the last <see cref="Decode"/>'s steps (see <see cref="ThreadCpuClock"/>).</summary>
    public double LastCpuMs { get; private set; }

    /// <summary>The tokens chosen last, one per sequence.</summary>
    public ReadOnlySpan<int> LastTokens => _step;

    /// <summary>
    /// Prefills (untimed), then generates <paramref name="steps"/> tokens after the first; returns the milliseconds of
    /// those steps. <paramref name="tokens"/> [batch, steps + 1] receives the first token and every generated one.
    /// </summary>
    public double Decode(int steps, int[,]? tokens = null)
    {
        Prefill();
        Record(tokens, 0);
        double cpuStart = ThreadCpuClock.Milliseconds();
        long start = Stopwatch.GetTimestamp();
        for (int n = 1; n <= steps; n++)
        {
            ChooseNext(_model.Forward(_step, Batch, _cache));
            Record(tokens, n);
        }

        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        LastCpuMs = ThreadCpuClock.Milliseconds() - cpuStart;
        return ms;
    }

    private void Record(int[,]? tokens, int column)
    {
        if (tokens is null)
        {
            return;
        }

        for (int s = 0; s < Batch; s++)
        {
            tokens[s, column] = _step[s];
        }
    }

    // logits [batch, new, vocab]: each sequence's next token is the argmax of its last position (the first on ties, as torch.argmax).
    private void ChooseNext(TensorView logits)
    {
        int last = logits.Dim(1) - 1;
        for (int s = 0; s < Batch; s++)
        {
            _step[s] = TensorPrimitives.IndexOfMax(logits.Select(0, s).Select(0, last).Span);
        }
    }
}
