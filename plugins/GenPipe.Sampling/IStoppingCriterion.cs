namespace GenPipe.Sampling;

/// <summary>Decides whether one sequence has finished, as transformers' <c>StoppingCriteria</c> do.</summary>
public interface IStoppingCriterion
{
    /// <summary>
    /// True when the sequence is done. <paramref name="tokens"/> is the whole sequence, the prompt included;
    /// <paramref name="promptLength"/> says where the generated tokens start.
    /// </summary>
    bool IsDone(IReadOnlyList<int> tokens, int promptLength);
}
