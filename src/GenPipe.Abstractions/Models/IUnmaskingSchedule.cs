namespace GenPipe.Abstractions.Models;

/// <summary>
/// The discrete counterpart of <see cref="IScheduler"/> for masked-token generators (MaskGIT-style): how many of the
/// masked positions stay masked after each step.
/// </summary>
public interface IUnmaskingSchedule
{
    /// <summary>The number of positions still masked after each of <paramref name="steps"/> steps; the last is 0.</summary>
    IReadOnlyList<int> MaskedCounts(int steps, int sequenceLength);
}
