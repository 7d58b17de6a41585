namespace GenPipe.Tensors.Threading;

/// <summary>
/// One parallel loop body. Kernels keep one instance per call site and reuse it, so dispatching work allocates
/// nothing (a lambda would allocate its closure on every call).
/// </summary>
public interface IParallelWork
{
    /// <summary>Runs chunk <paramref name="index"/> of the loop; chunks run in any order, on any worker.</summary>
    void Execute(int index);
}
