namespace GenPipe.Bench.SchedulerQuality;

/// <summary>
/// Turns an evaluation budget into a step count from counted runs: the most steps whose evaluations stay within the
/// budget. Evaluations grow with steps (n, 2n - 1, n + 1, ...), so a binary search over [1, budget] needs about
/// log2(budget) one-sample probes, then an upward scan looks past step counts that failed; each step count is probed
/// once.
/// </summary>
internal sealed class StepSearch(Func<int, Task<long?>> probe)
{
    private readonly Dictionary<int, long?> _calls = [];

    /// <summary>The most steps within <paramref name="budget"/> evaluations, or null when even one step needs more or fails.</summary>
    public async Task<int?> MostStepsWithinAsync(int budget)
    {
        int? best = null;
        int low = 1;
        int high = budget;
        while (low <= high)
        {
            int middle = low + ((high - low) / 2);
            long? calls = await CallsAsync(middle).ConfigureAwait(false);

            // A step count the scheduler cannot run counts as over budget: the search goes below it.
            if (calls is not null && calls <= budget)
            {
                best = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        // A run that fails (e.g. at step counts whose timesteps the model rejects) hides the step counts above it from
        // the binary search; look past it up to the first step count that runs and exceeds the budget.
        for (int steps = (best ?? 0) + 1; steps <= budget; steps++)
        {
            long? calls = await CallsAsync(steps).ConfigureAwait(false);
            if (calls > budget)
            {
                break;
            }

            if (calls is not null)
            {
                best = steps;
            }
        }

        return best;
    }

    private async Task<long?> CallsAsync(int steps)
    {
        if (!_calls.TryGetValue(steps, out long? calls))
        {
            calls = await probe(steps).ConfigureAwait(false);
            _calls[steps] = calls;
        }

        return calls;
    }
}
