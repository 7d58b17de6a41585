namespace GenPipe.Autoregressive.Generation;

/// <summary>What speculative decoding did: how many draft tokens were proposed and how many the model accepted.</summary>
public sealed class SpeculativeStatistics
{
    /// <summary>Draft tokens proposed.</summary>
    public long Drafted { get; internal set; }

    /// <summary>Draft tokens the model accepted.</summary>
    public long Accepted { get; internal set; }

    /// <summary>Calls of the large model (each verifies one round of drafts).</summary>
    public long TargetCalls { get; internal set; }

    /// <summary>Accepted over drafted, 0 before any draft.</summary>
    public double AcceptanceRate => Drafted == 0 ? 0 : (double)Accepted / Drafted;
}
