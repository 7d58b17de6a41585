namespace GenPipe.Schedulers;

/// <summary>
/// Where a run stands. Like diffusers, the first step finds its timestep in the schedule (the second match when it
/// repeats, so img2img starting mid-schedule does not skip a sigma); later steps follow the counter.
/// </summary>
internal sealed class StepCounter(float[] timesteps)
{
    private int? _index;

    /// <summary>The index of the step about to run.</summary>
    public int Current(float timestep)
    {
        if (_index is { } index)
        {
            if (index >= timesteps.Length)
            {
                throw new InvalidOperationException($"All {timesteps.Length} steps of this run are done; start a new run with SetTimesteps.");
            }

            return index;
        }

        int first = Array.IndexOf(timesteps, timestep);
        if (first < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(timestep), timestep, "The timestep is not one of this run's timesteps.");
        }

        int second = Array.IndexOf(timesteps, timestep, first + 1);
        _index = second >= 0 ? second : first;
        return _index.Value;
    }

    /// <summary>Moves on after a step.</summary>
    public void Advance() => _index = (_index ?? 0) + 1;
}
