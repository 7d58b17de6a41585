using System.Diagnostics;
using GenPipe.Abstractions.Components;
using GenPipe.Core;

namespace GenPipe.Bench.Pool;

/// <summary>
/// A component whose factory reports how long it ran, so that a pool acquire can be split into the load (the factory)
/// and the pool's own work around it (bookkeeping, eviction). Same identity as the original, so the pool sees no difference.
/// </summary>
internal sealed class TimedComponent
{
    public TimedComponent(PipelineComponent component)
    {
        ArgumentNullException.ThrowIfNull(component);
        var inner = component.Descriptor;
        Component = component with
        {
            Descriptor = new ComponentDescriptor
            {
                Id = inner.Id,
                ContractType = inner.ContractType,
                OptionsType = inner.OptionsType,
                Description = inner.Description,
                RequiresSource = inner.RequiresSource,
                ConcurrentUse = inner.ConcurrentUse,
                EstimateBytes = inner.EstimateBytes,
                Factory = async (context, cancellationToken) =>
                {
                    long faults = ProcMemory.MinorFaults();
                    long start = Stopwatch.GetTimestamp();
                    object instance = await inner.Factory(context, cancellationToken).ConfigureAwait(false);
                    LastFactoryMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    LastFactoryFaults = ProcMemory.MinorFaults() - faults;
                    return instance;
                },
            },
        };
    }

    public PipelineComponent Component { get; }

    /// <summary>How long the last load took inside the factory.</summary>
    public double LastFactoryMs { get; private set; }

    /// <summary>Minor page faults of the process during the last load: pages mapped in or committed for the first time.</summary>
    public long LastFactoryFaults { get; private set; }
}
