namespace GenPipe.Abstractions.Components;

/// <summary>
/// Implemented by components that hold memory worth counting (weights, caches, device buffers). The host's pool reads
/// it once the component is loaded and counts it against the memory budget until the component is evicted; before
/// loading, it uses <see cref="ComponentDescriptor.EstimateBytes"/>.
/// </summary>
public interface IMemoryFootprint
{
    /// <summary>What the component holds, per device (one entry for a CPU-only component).</summary>
    IReadOnlyList<DeviceMemory> MemoryFootprint { get; }
}

/// <summary>Memory a component holds on one device.</summary>
/// <param name="Device">The device, as <c>--device</c> names it (<c>cpu</c>, <c>cuda:0</c>).</param>
/// <param name="WeightBytes">Parameters: mapped or copied weights, packed matrices.</param>
/// <param name="BufferBytes">Everything else it keeps between calls: scratch buffers, caches.</param>
public readonly record struct DeviceMemory(string Device, long WeightBytes, long BufferBytes)
{
    /// <summary>Weights and buffers together.</summary>
    public long TotalBytes => WeightBytes + BufferBytes;
}
