using System.Text;
using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Operators;

namespace GenPipe.Cli.Commands;

/// <summary>
/// Prints generated tokens as they arrive, each sequence after the prompt it continues. Sequences of a batch advance together, so their tokens interleave: the
/// lowest unfinished sequence prints live and the others are held until it ends, then printed in order, a blank line
/// between sequences. Other progress goes to <paramref name="inner"/>, except iteration counts, which would cut into
/// the text on a terminal.
/// </summary>
internal sealed class TokenStreamWriter(TextWriter output, IProgress<PipelineProgress>? inner) : IProgress<PipelineProgress>
{
    private readonly SortedDictionary<int, (StringBuilder Text, bool Done)> _held = [];
    private int _live;
    private bool _midLine;

    public void Report(PipelineProgress value)
    {
        lock (_held)
        {
            if (value is { Kind: PipelineProgressKind.Output, Output: GeneratedToken token })
            {
                Print(token);
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

    private void Print(GeneratedToken token)
    {
        if (token.Sequence != _live)
        {
            var held = _held.TryGetValue(token.Sequence, out var entry) ? entry : (Text: new StringBuilder(), Done: false);
            held.Text.Append(token.Prompt).Append(token.Text);
            _held[token.Sequence] = (held.Text, token.IsLast);
            return;
        }

        Write(token.Prompt + token.Text, token.Index == 0 && token.Sequence > 0);
        if (!token.IsLast)
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
