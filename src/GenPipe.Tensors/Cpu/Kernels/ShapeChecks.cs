using GenPipe.Tensors.Backends;

namespace GenPipe.Tensors.Cpu.Kernels;

/// <summary>Argument checks shared by the kernels; messages name the shapes involved.</summary>
internal static class ShapeChecks
{
    public static void NotNone(TensorView view, string name)
    {
        if (view.IsNone)
        {
            throw new ArgumentException($"The {name} view is none.", name);
        }
    }

    public static void SameShape(TensorView expected, TensorView actual, string what, string name)
    {
        NotNone(actual, name);
        if (expected.Shape != actual.Shape)
        {
            throw new ArgumentException($"{what}: {name} is {actual.Shape} but must be {expected.Shape}.", name);
        }
    }

    public static void Contiguous(TensorView view, string what, string name)
    {
        if (!view.IsContiguous)
        {
            throw new ArgumentException($"{what}: {name} {view.Shape} with strides {view.Strides} must be contiguous.", name);
        }
    }

    public static void Rank(TensorView view, int rank, string what, string name)
    {
        NotNone(view, name);
        if (view.Rank != rank)
        {
            throw new ArgumentException($"{what}: {name} is {view.Shape}; rank {rank} expected.", name);
        }
    }

    public static void UnitLastStride(TensorView view, string what, string name)
    {
        if (view.Rank > 0 && view.Dim(-1) > 1 && view.Stride(-1) != 1)
        {
            throw new ArgumentException(
                $"{what}: {name} {view.Shape} has strides {view.Strides}; the last axis must have unit stride.", name);
        }
    }

    public static void KnownActivation(Activation activation)
    {
        if (activation < Activation.None || activation > Activation.QuickGelu)
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }
}
