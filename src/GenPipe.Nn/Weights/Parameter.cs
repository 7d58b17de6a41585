using GenPipe.Tensors;

namespace GenPipe.Nn;

/// <summary>
/// One named weight of a <see cref="Module"/>: its expected shape, and its value once the module's weights are loaded.
/// </summary>
public sealed class Parameter
{
    private Tensor? _value;

    internal Parameter(string name, Dims shape)
    {
        Name = name;
        Shape = shape;
    }

    /// <summary>The local name inside its module (<c>weight</c>, <c>bias</c>).</summary>
    public string Name { get; }

    /// <summary>The shape the module expects.</summary>
    public Dims Shape { get; }

    /// <summary>True once a value was bound.</summary>
    public bool IsBound => _value is not null;

    /// <summary>The bound value.</summary>
    /// <exception cref="InvalidOperationException">No weights were loaded yet.</exception>
    public Tensor Value => _value ?? throw new InvalidOperationException($"Parameter '{Name}' has no value yet; load the model's weights first.");

    /// <summary>The bound value's view (what kernels take).</summary>
    public TensorView View => Value.View;

    /// <summary>
    /// Lets the memory of the bound value go back to the operating system where it can (a memory-mapped weight's
    /// pages; see <see cref="TensorStorage.ReleasePages"/>). For layers that packed the value into a copy of their own
    /// and no longer read it; reading it later still gives the file's values.
    /// </summary>
    internal void ReleasePages()
    {
        if (_value?.View is { IsContiguous: true } view)
        {
            view.Storage.ReleasePages(view.Offset, view.Length);
        }
    }

    internal void Bind(Tensor value)
    {
        if (!ReferenceEquals(_value, value))
        {
            Release();
        }

        _value = value;
    }

    // Disposes the bound value (which frees its storage only where the value owns it: a backend's copy, not a mapped
    // file) and forgets it.
    internal void Release()
    {
        _value?.Dispose();
        _value = null;
    }
}
