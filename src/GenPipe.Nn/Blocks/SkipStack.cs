using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Blocks;

/// <summary>
/// The skip connections of a UNet: down blocks push their outputs, up blocks pop them in reverse. The views point into
/// the pushing modules' own buffers, which stay untouched until the next forward of the whole model.
/// </summary>
public sealed class SkipStack
{
    private readonly TensorView[] _pair = new TensorView[2];
    private TensorView[] _items = new TensorView[16];

    /// <summary>The number of views on the stack.</summary>
    public int Count { get; private set; }

    /// <summary>Empties the stack (at the start of a forward).</summary>
    public void Clear()
    {
        Array.Clear(_items, 0, Count);
        Count = 0;
    }

    /// <summary>Pushes a view.</summary>
    public void Push(TensorView view)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[Count++] = view;
    }

    /// <summary>Pops the most recent view.</summary>
    /// <exception cref="InvalidOperationException">The stack is empty: up and down blocks do not match.</exception>
    public TensorView Pop()
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("No skip connection left: the up blocks need more than the down blocks pushed.");
        }

        var view = _items[--Count];
        _items[Count] = default;
        return view;
    }

    /// <summary>The most recent view, left on the stack.</summary>
    /// <exception cref="InvalidOperationException">The stack is empty: up and down blocks do not match.</exception>
    public TensorView Peek() => Count == 0
        ? throw new InvalidOperationException("No skip connection left: the up blocks need more than the down blocks pushed.")
        : _items[Count - 1];

    /// <summary>
    /// Pops the most recent skip connection and writes <c>[input; skip]</c>, joined along the channels, into
    /// <paramref name="buffer"/>: what an up block's resnet takes.
    /// </summary>
    public TensorView PopJoined(TensorView input, ActivationBuffer buffer, ITensorBackend backend)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(backend);
        var skip = Pop();
        var joined = buffer.Get(input.Dim(0), input.Dim(1) + skip.Dim(1), input.Dim(2), input.Dim(3));
        _pair[0] = input;
        _pair[1] = skip;
        backend.Concat(_pair, 1, joined);
        _pair[0] = _pair[1] = default; // holds no views past the call
        return joined;
    }
}
