using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GenPipe.Tensors.Cpu.Kernels;

/// <summary>Applies an <see cref="IVectorOp"/> over contiguous runs, tails included.</summary>
internal static class VectorMap
{
    /// <summary><c>destination[i] = TOp(source[i])</c>; the two may be the same span (not partially overlapping).</summary>
    public static void Run<TOp>(ReadOnlySpan<float> source, Span<float> destination)
        where TOp : struct, IVectorOp
    {
        int n = source.Length;
        ref float src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
        {
            TOp.Apply(Vector512.LoadUnsafe(ref src, (nuint)i)).StoreUnsafe(ref dst, (nuint)i);
        }

        if (i < n)
        {
            Tail<TOp>(source[i..], destination[i..n]);
        }
    }

    /// <summary>The last partial vector goes through a stack buffer: reading past the end is not allowed, and
    /// re-reading an overlapping full vector would apply the function twice where source and destination alias.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Tail<TOp>(ReadOnlySpan<float> source, Span<float> destination)
        where TOp : struct, IVectorOp
    {
        Span<float> buffer = stackalloc float[Vector512<float>.Count];
        buffer.Clear();
        source.CopyTo(buffer);
        TOp.Apply(Vector512.Create<float>(buffer)).CopyTo(buffer);
        buffer[..destination.Length].CopyTo(destination);
    }
}
