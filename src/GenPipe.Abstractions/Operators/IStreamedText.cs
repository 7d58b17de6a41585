namespace GenPipe.Abstractions.Operators;

/// <summary>
/// A streamed piece of output that reads as text (<see cref="OperatorContext.ReportOutput"/>): the CLI prints these as
/// they arrive, each sequence after its prefix, whatever family produced them. A batch's sequences may interleave;
/// the CLI prints the lowest unfinished one live and holds the others until it ends.
/// </summary>
public interface IStreamedText
{
    /// <summary>Which sequence of the batch the piece extends (0-based).</summary>
    int Sequence { get; }

    /// <summary>True for a sequence's first piece.</summary>
    bool IsFirst { get; }

    /// <summary>True for a sequence's last piece.</summary>
    bool IsLast { get; }

    /// <summary>On a sequence's first piece, text to show before it (a prompt); otherwise null.</summary>
    string? Prefix { get; }

    /// <summary>The text the piece adds.</summary>
    string Text { get; }
}

/// <summary>Implemented by step outputs that can say what they are in one line (the CLI's summary after a run).</summary>
public interface IOutputSummary
{
    /// <summary>One line, such as "2 sequence(s), 340 characters".</summary>
    string Summary { get; }
}
