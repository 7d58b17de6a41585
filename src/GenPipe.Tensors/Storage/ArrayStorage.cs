namespace GenPipe.Tensors;

/// <summary>Storage over a managed <see cref="float"/> array (not copied).</summary>
public sealed class ArrayStorage : TensorStorage
{
    /// <summary>Wraps <paramref name="array"/>.</summary>
    public ArrayStorage(float[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        Array = array;
    }

    /// <summary>The array behind this storage.</summary>
    public float[] Array { get; }

    /// <inheritdoc />
    public override int Length => Array.Length;

    /// <inheritdoc />
    public override Span<float> Span => Array;

    /// <inheritdoc />
    public override Memory<float> Memory => Array;
}
