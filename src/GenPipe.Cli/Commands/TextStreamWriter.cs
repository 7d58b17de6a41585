using System.Text;
using GenPipe.Abstractions.Operators;

namespace GenPipe.Cli.Commands;

/// <summary>
/// Prints streamed text (<see cref="IStreamedText"/>, such as generated tokens) as it arrives, each sequence after its
/// prefix. Sequences of a batch advance together, so their pieces interleave: the lowest unfinished sequence prints live
/// and the others are held until it ends, then printed in order, a blank line between sequences. Other progress goes to <paramref name="inner"/>, except iteration counts, which would cut into
/// the text on a terminal.
/// </summary>
internal sealed class TextStreamWriter(TextWriter output, IProgress<PipelineProgress>? inner) : IProgress<PipelineProgress>
{
    private readonly SortedDictionary<int, (StringBuilder Text, bool Done)> _held = [];
    private int _live;
    private bool _midLine;

    public void Report(PipelineProgress value)
    {
        lock (_held)
        {
            if (value is { Kind: PipelineProgressKind.Output, Output: IStreamedText piece })
            {
                Print(piece);
                output.Flush();
                return;
            }

            if (value.Kind == PipelineProgressKind.Iteration)
            {
                return;
            }

            if (_midLine && value.Kind == PipelineProgressKind.StepCompleted)
            {
                // A step ended without its last token (e.g. cancelled mid-sequence): end the line it left open.
                output.WriteLine();
                _midLine = false;
            }

            if (value.Kind == PipelineProgressKind.StepStarted)
            {
                _held.Clear();
                _live = 0;
            }

            inner?.Report(value);
        }
    }

    private void Print(IStreamedText piece)
    {
        if (piece.Sequence != _live)
        {
            var held = _held.TryGetValue(piece.Sequence, out var entry) ? entry : (Text: new StringBuilder(), Done: false);
            held.Text.Append(piece.Prefix).Append(piece.Text);
            _held[piece.Sequence] = (held.Text, piece.IsLast);
            return;
        }

        Write(piece.Prefix + piece.Text, piece.IsFirst && piece.Sequence > 0);
        if (!piece.IsLast)
        {
            return;
        }

        EndSequence();
        while (_held.Remove(_live, out var next))
        {
            Write(next.Text.ToString(), startsSequence: true);
            if (!next.Done)
            {
                return;
            }

            EndSequence();
        }
    }

    private void Write(string text, bool startsSequence)
    {
        if (startsSequence)
        {
            output.WriteLine();
        }

        output.Write(text);
        if (text.Length > 0)
        {
            _midLine = text[^1] != '\n';
        }
    }

    private void EndSequence()
    {
        if (_midLine)
        {
            output.WriteLine();
        }

        _midLine = false;
        _live++;
    }
}
