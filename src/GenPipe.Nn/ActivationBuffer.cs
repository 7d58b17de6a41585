using GenPipe.Tensors;

namespace GenPipe.Nn;

/// <summary>
/// A module's own output or scratch memory: handed out as a contiguous view of the requested shape, grown only when a
/// larger shape arrives, so that forwards after a warm-up allocate nothing.
/// </summary>
/// <remarks>A view from <see cref="Get"/> stays valid until the next <see cref="Get"/> on the same buffer.</remarks>
public sealed class ActivationBuffer
{
    private ArrayStorage? _storage;

    /// <summary>A contiguous view of <paramref name="shape"/> over this buffer (contents unspecified).</summary>
    public TensorView Get(params ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
        }

        if (_storage is null || _storage.Length < count)
        {
            _storage = new ArrayStorage(new float[checked((int)Math.Max(count, 1))]);
        }

        return TensorView.Contiguous(_storage, 0, new Dims(shape));
    }
}
