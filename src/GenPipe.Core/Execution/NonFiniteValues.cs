using System.Numerics.Tensors;
using GenPipe.Tensors;
using Tensor = GenPipe.Tensors.Tensor;

namespace GenPipe.Core.Execution;

/// <summary>
/// Finds NaN and infinity in what a step returned, so a run that diverged fails naming the step instead of writing
/// garbage. One vectorized pass per tensor (<see cref="TensorPrimitives.IsFiniteAll{T}(ReadOnlySpan{T})"/>); the
/// element-by-element search runs only when that pass finds something.
/// </summary>
internal static class NonFiniteValues
{
    /// <summary>A description of the first non-finite value in <paramref name="output"/>'s tensors, or null when all are finite.</summary>
    public static string? Find(object output)
    {
        switch (output)
        {
            case Tensor tensor:
                return Find(tensor, "");
            case IEnumerable<Tensor> tensors:
                int index = 0;
                foreach (var item in tensors)
                {
                    if (Find(item, $" (tensor {index})") is { } problem)
                    {
                        return problem;
                    }

                    index++;
                }

                return null;
            default:
                return null;
        }
    }

    private static string? Find(Tensor tensor, string which)
    {
        ReadOnlySpan<float> values = tensor.Contiguous().Span;
        if (TensorPrimitives.IsFiniteAll(values))
        {
            return null;
        }

        int nan = 0;
        int infinite = 0;
        int first = -1;
        for (int i = 0; i < values.Length; i++)
        {
            if (float.IsNaN(values[i]))
            {
                nan++;
            }
            else if (float.IsInfinity(values[i]))
            {
                infinite++;
            }
            else
            {
                continue;
            }

            if (first < 0)
            {
                first = i;
            }
        }

        string what = (nan, infinite) switch
        {
            (> 0, > 0) => $"{nan} NaN and {infinite} infinite values",
            (> 0, _) => nan == values.Length ? "only NaN values" : $"{nan} NaN value(s)",
            _ => $"{infinite} infinite value(s)",
        };
        return $"{what} in its output{which} of shape {Tensor.FormatShape(tensor.Shape)} (first at element {first} of {values.Length})";
    }
}
