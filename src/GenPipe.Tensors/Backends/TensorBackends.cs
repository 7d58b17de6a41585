using System.Collections.Concurrent;
using GenPipe.Tensors.Cpu;

namespace GenPipe.Tensors.Backends;

/// <summary>The backends this process knows, keyed by device name; the CPU backend is always there.</summary>
public static class TensorBackends
{
    private static readonly ConcurrentDictionary<string, ITensorBackend> Backends =
        new(StringComparer.OrdinalIgnoreCase) { [CpuDevice.Name] = CpuBackend.Shared };

    /// <summary>The built-in CPU backend.</summary>
    public static ITensorBackend Cpu => CpuBackend.Shared;

    /// <summary>The device names with a registered backend.</summary>
    public static IReadOnlyCollection<string> Devices => Backends.Keys.ToArray();

    /// <summary>Registers <paramref name="backend"/> for its device (an accelerator plugin calls this when it loads).</summary>
    /// <exception cref="InvalidOperationException">A backend for that device is already registered.</exception>
    public static void Register(ITensorBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (!Backends.TryAdd(backend.Device, backend))
        {
            throw new InvalidOperationException($"A tensor backend for device '{backend.Device}' is already registered.");
        }
    }

    /// <summary>The backend for <paramref name="device"/>.</summary>
    /// <exception cref="KeyNotFoundException">No backend is registered for that device; the message lists those that are.</exception>
    public static ITensorBackend Get(string device)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(device);
        return Backends.TryGetValue(device, out var backend)
            ? backend
            : throw new KeyNotFoundException(
                $"No tensor backend for device '{device}'. Known devices: {string.Join(", ", Backends.Keys.Order(StringComparer.Ordinal))}. " +
                "An accelerator backend arrives as a plugin that registers itself.");
    }
}
