using GenPipe.Tensors.Backends;

namespace GenPipe.Tensors.Cpu.Gemm;

/// Shape checks and address helpers shared by the product and convolution entry points.
internal static class ViewShapes
{
    /// True when the views share storage and their element ranges overlap.
    public static bool Overlap(TensorView x, TensorView y)
    {
        if (x.IsNone || y.IsNone || !ReferenceEquals(x.Storage, y.Storage))
        {
            return false;
        }

        var (xStart, xEnd) = Extent(x);
        var (yStart, yEnd) = Extent(y);
        return xStart <= yEnd && yStart <= xEnd;
    }

    /// Whether axes [0, count) collapse into one axis of uniform stride; <paramref name="stride"/> is that stride.
    public static bool TryCollapse(TensorView view, int count, out nint stride)
    {
        stride = 0;
        long expected = -1;
        for (int axis = count - 1; axis >= 0; axis--)
        {
            int size = view.Shape[axis];
            if (size == 1)
            {
                continue;
            }

            if (expected >= 0 && view.Strides[axis] != expected)
            {
                return false;
            }

            if (expected < 0)
            {
                stride = view.Strides[axis];
            }

            expected = (long)view.Strides[axis] * size;
        }

        return true;
    }

    /// Throws unless the epilogue's bias has <paramref name="channels"/> elements and its residual <paramref name="output"/>'s shape.
    public static void CheckEpilogue(in GemmEpilogue epilogue, TensorView output, int channels, string what)
    {
        if (!epilogue.Bias.IsNone && epilogue.Bias.Length != channels)
        {
            throw new ArgumentException(
                $"The {what} bias {epilogue.Bias.Shape} must have {channels} elements for output {output.Shape}.", nameof(epilogue));
        }

        if (!epilogue.Residual.IsNone && epilogue.Residual.Shape != output.Shape)
        {
            throw new ArgumentException(
                $"The {what} residual {epilogue.Residual.Shape} must have the output's shape {output.Shape}.", nameof(epilogue));
        }
    }

    private static (long Start, long End) Extent(TensorView view)
    {
        long end = view.Offset;
        for (int i = 0; i < view.Rank; i++)
        {
            if (view.Shape[i] == 0)
            {
                return (view.Offset, view.Offset - 1);
            }

            end += (long)(view.Shape[i] - 1) * view.Strides[i];
        }

        return (view.Offset, end);
    }
}
