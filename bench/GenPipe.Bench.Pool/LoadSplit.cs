namespace GenPipe.Bench.Pool;

/// <summary>
/// The model's loads split by the page faults they took. Loading packs the weights into new arrays: when the GC has
/// memory left from a collected instance the arrays reuse it, otherwise the system hands out fresh zeroed pages, one
/// fault per 4 KiB page, and on this VM those faults cost more than the rest of the load. Medians of each kind.
/// </summary>
internal sealed record LoadSplit(int FreshLoads, double FreshMs, double FreshFaults, int ReusedLoads, double ReusedMs, double ReusedFaults)
{
    /// <summary>The split of <paramref name="loads"/> (factory milliseconds, minor faults), or null when they are all of one kind.</summary>
    public static LoadSplit? Of(IReadOnlyList<(double Ms, long Faults)> loads)
    {
        ArgumentNullException.ThrowIfNull(loads);
        if (loads.Count == 0)
        {
            return null;
        }

        long fewest = loads.Min(l => l.Faults);
        long most = loads.Max(l => l.Faults);
        // One kind only: the counts are close (or there are none, off Linux).
        if (most < (2 * fewest) + 100)
        {
            return null;
        }

        double threshold = (fewest + most) / 2.0;
        var fresh = loads.Where(l => l.Faults >= threshold).ToArray();
        var reused = loads.Where(l => l.Faults < threshold).ToArray();
        return new LoadSplit(
            fresh.Length,
            Stats.Median(fresh.Select(l => l.Ms)),
            Stats.Median(fresh.Select(l => (double)l.Faults)),
            reused.Length,
            Stats.Median(reused.Select(l => l.Ms)),
            Stats.Median(reused.Select(l => (double)l.Faults)));
    }
}
