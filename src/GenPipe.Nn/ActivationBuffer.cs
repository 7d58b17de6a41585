using GenPipe.Tensors;

namespace GenPipe.Nn;

/// <summary>
/// A module's own output or scratch memory: handed out as a contiguous view of the requested shape, grown only when a
/// larger shape arrives, so that forwards after a warm-up allocate nothing. The memory comes from the module's backend
/// (<see cref="Tensors.Backends.ITensorBackend.Allocate"/>), so it lives on the module's device and is counted there.
/// </summary>
/// <remarks>
/// Made by <see cref="Module.AddBuffer"/>. A view from <see cref="Get"/> stays valid until the next <see cref="Get"/> on
/// the same buffer.
/// </remarks>
public sealed class ActivationBuffer
{
    private readonly Module _owner;
    private TensorStorage? _storage;

    internal ActivationBuffer(Module owner) => _owner = owner;

    /// <summary>The bytes held now (0 before the first <see cref="Get"/>).</summary>
    public long Bytes => _storage is null ? 0 : (long)_storage.Length * sizeof(float);

    /// <summary>The device the memory is on, or null before the first <see cref="Get"/>.</summary>
    public string? Device => _storage?.Device;

    /// <summary>A contiguous view of <paramref name="shape"/> over this buffer (contents unspecified).</summary>
    /// <exception cref="InvalidOperationException">The owning module has no weights (so no backend) yet.</exception>
    public TensorView Get(params ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
        }

        var backend = _owner.BackendForBuffers;
        if (_storage is null || _storage.Length < count || _storage.Device != backend.Device)
        {
            (_storage as IDisposable)?.Dispose();
            _storage = backend.Allocate(checked((int)Math.Max(count, 1)));
        }

        return TensorView.Contiguous(_storage, 0, new Dims(shape));
    }

    // Frees the memory (the owning module is being disposed); a later Get allocates again.
    internal void Release()
    {
        (_storage as IDisposable)?.Dispose();
        _storage = null;
    }
}
