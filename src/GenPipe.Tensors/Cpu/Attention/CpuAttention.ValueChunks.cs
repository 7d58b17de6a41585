using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GenPipe.Tensors.Cpu.Kernels;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu.Attention;

// The blocked path's value accumulation, unrolled for 4, 3, 2 and 1 vectors of the head size: each keeps its output
// tile in registers across all 64 keys of a block, which is why they are four methods and not one loop.
internal static partial class CpuAttention
{
    private sealed partial class BlockedJob
    {
        /// <summary>The accumulation for 4 vectors of the head size at column <paramref name="c"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Chunk4(ref float os, int dp, int c, ref float vs, int keys, ref float ps, Span<float> alpha)
        {
            ref float o = ref Unsafe.Add(ref os, c);
            ref float v = ref Unsafe.Add(ref vs, c);
            var a0 = Vector512.Create(alpha[0]);
            var a1 = Vector512.Create(alpha[1]);
            var a2 = Vector512.Create(alpha[2]);
            var a3 = Vector512.Create(alpha[3]);
            var o00 = Vector512.LoadUnsafe(ref o, (nuint)((0 * dp) + 0)) * a0;
            var o01 = Vector512.LoadUnsafe(ref o, (nuint)((0 * dp) + 16)) * a0;
            var o02 = Vector512.LoadUnsafe(ref o, (nuint)((0 * dp) + 32)) * a0;
            var o03 = Vector512.LoadUnsafe(ref o, (nuint)((0 * dp) + 48)) * a0;
            var o10 = Vector512.LoadUnsafe(ref o, (nuint)((1 * dp) + 0)) * a1;
            var o11 = Vector512.LoadUnsafe(ref o, (nuint)((1 * dp) + 16)) * a1;
            var o12 = Vector512.LoadUnsafe(ref o, (nuint)((1 * dp) + 32)) * a1;
            var o13 = Vector512.LoadUnsafe(ref o, (nuint)((1 * dp) + 48)) * a1;
            var o20 = Vector512.LoadUnsafe(ref o, (nuint)((2 * dp) + 0)) * a2;
            var o21 = Vector512.LoadUnsafe(ref o, (nuint)((2 * dp) + 16)) * a2;
            var o22 = Vector512.LoadUnsafe(ref o, (nuint)((2 * dp) + 32)) * a2;
            var o23 = Vector512.LoadUnsafe(ref o, (nuint)((2 * dp) + 48)) * a2;
            var o30 = Vector512.LoadUnsafe(ref o, (nuint)((3 * dp) + 0)) * a3;
            var o31 = Vector512.LoadUnsafe(ref o, (nuint)((3 * dp) + 16)) * a3;
            var o32 = Vector512.LoadUnsafe(ref o, (nuint)((3 * dp) + 32)) * a3;
            var o33 = Vector512.LoadUnsafe(ref o, (nuint)((3 * dp) + 48)) * a3;
            for (int j = 0; j < keys; j++)
            {
                var v0 = Vector512.LoadUnsafe(ref v, (nuint)((j * dp) + 0));
                var v1 = Vector512.LoadUnsafe(ref v, (nuint)((j * dp) + 16));
                var v2 = Vector512.LoadUnsafe(ref v, (nuint)((j * dp) + 32));
                var v3 = Vector512.LoadUnsafe(ref v, (nuint)((j * dp) + 48));
                var p0 = Vector512.Create(Unsafe.Add(ref ps, (0 * KeyBlock) + j));
                o00 = Vector512.FusedMultiplyAdd(p0, v0, o00);
                o01 = Vector512.FusedMultiplyAdd(p0, v1, o01);
                o02 = Vector512.FusedMultiplyAdd(p0, v2, o02);
                o03 = Vector512.FusedMultiplyAdd(p0, v3, o03);
                var p1 = Vector512.Create(Unsafe.Add(ref ps, (1 * KeyBlock) + j));
                o10 = Vector512.FusedMultiplyAdd(p1, v0, o10);
                o11 = Vector512.FusedMultiplyAdd(p1, v1, o11);
                o12 = Vector512.FusedMultiplyAdd(p1, v2, o12);
                o13 = Vector512.FusedMultiplyAdd(p1, v3, o13);
                var p2 = Vector512.Create(Unsafe.Add(ref ps, (2 * KeyBlock) + j));
                o20 = Vector512.FusedMultiplyAdd(p2, v0, o20);
                o21 = Vector512.FusedMultiplyAdd(p2, v1, o21);
                o22 = Vector512.FusedMultiplyAdd(p2, v2, o22);
                o23 = Vector512.FusedMultiplyAdd(p2, v3, o23);
                var p3 = Vector512.Create(Unsafe.Add(ref ps, (3 * KeyBlock) + j));
                o30 = Vector512.FusedMultiplyAdd(p3, v0, o30);
                o31 = Vector512.FusedMultiplyAdd(p3, v1, o31);
                o32 = Vector512.FusedMultiplyAdd(p3, v2, o32);
                o33 = Vector512.FusedMultiplyAdd(p3, v3, o33);
            }

            o00.StoreUnsafe(ref o, (nuint)((0 * dp) + 0));
            o01.StoreUnsafe(ref o, (nuint)((0 * dp) + 16));
            o02.StoreUnsafe(ref o, (nuint)((0 * dp) + 32));
            o03.StoreUnsafe(ref o, (nuint)((0 * dp) + 48));
            o10.StoreUnsafe(ref o, (nuint)((1 * dp) + 0));
            o11.StoreUnsafe(ref o, (nuint)((1 * dp) + 16));
            o12.StoreUnsafe(ref o, (nuint)((1 * dp) + 32));
            o13.StoreUnsafe(ref o, (nuint)((1 * dp) + 48));
            o20.StoreUnsafe(ref o, (nuint)((2 * dp) + 0));
            o21.StoreUnsafe(ref o, (nuint)((2 * dp) + 16));
            o22.StoreUnsafe(ref o, (nuint)((2 * dp) + 32));
            o23.StoreUnsafe(ref o, (nuint)((2 * dp) + 48));
            o30.StoreUnsafe(ref o, (nuint)((3 * dp) + 0));
            o31.StoreUnsafe(ref o, (nuint)((3 * dp) + 16));
            o32.StoreUnsafe(ref o, (nuint)((3 * dp) + 32));
            o33.StoreUnsafe(ref o, (nuint)((3 * dp) + 48));
        }

        /// <summary>The accumulation for 3 vectors of the head size at column <paramref name="c"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Chunk3(ref float os, int dp, int c, ref float vs, int keys, ref float ps, Span<float> alpha)
        {
            ref float o = ref Unsafe.Add(ref os, c);
            ref float v = ref Unsafe.Add(ref vs, c);
            var a0 = Vector512.Create(alpha[0]);
            var a1 = Vector512.Create(alpha[1]);
            var a2 = Vector512.Create(alpha[2]);
            var a3 = Vector512.Create(alpha[3]);
            var o00 = Vector512.LoadUnsafe(ref o, (nuint)((0 * dp) + 0)) * a0;
            var o01 = Vector512.LoadUnsafe(ref o, (nuint)((0 * dp) + 16)) * a0;
            var o02 = Vector512.LoadUnsafe(ref o, (nuint)((0 * dp) + 32)) * a0;
            var o10 = Vector512.LoadUnsafe(ref o, (nuint)((1 * dp) + 0)) * a1;
            var o11 = Vector512.LoadUnsafe(ref o, (nuint)((1 * dp) + 16)) * a1;
            var o12 = Vector512.LoadUnsafe(ref o, (nuint)((1 * dp) + 32)) * a1;
            var o20 = Vector512.LoadUnsafe(ref o, (nuint)((2 * dp) + 0)) * a2;
            var o21 = Vector512.LoadUnsafe(ref o, (nuint)((2 * dp) + 16)) * a2;
            var o22 = Vector512.LoadUnsafe(ref o, (nuint)((2 * dp) + 32)) * a2;
            var o30 = Vector512.LoadUnsafe(ref o, (nuint)((3 * dp) + 0)) * a3;
            var o31 = Vector512.LoadUnsafe(ref o, (nuint)((3 * dp) + 16)) * a3;
            var o32 = Vector512.LoadUnsafe(ref o, (nuint)((3 * dp) + 32)) * a3;
            for (int j = 0; j < keys; j++)
            {
                var v0 = Vector512.LoadUnsafe(ref v, (nuint)((j * dp) + 0));
                var v1 = Vector512.LoadUnsafe(ref v, (nuint)((j * dp) + 16));
                var v2 = Vector512.LoadUnsafe(ref v, (nuint)((j * dp) + 32));
                var p0 = Vector512.Create(Unsafe.Add(ref ps, (0 * KeyBlock) + j));
                o00 = Vector512.FusedMultiplyAdd(p0, v0, o00);
                o01 = Vector512.FusedMultiplyAdd(p0, v1, o01);
                o02 = Vector512.FusedMultiplyAdd(p0, v2, o02);
                var p1 = Vector512.Create(Unsafe.Add(ref ps, (1 * KeyBlock) + j));
                o10 = Vector512.FusedMultiplyAdd(p1, v0, o10);
                o11 = Vector512.FusedMultiplyAdd(p1, v1, o11);
                o12 = Vector512.FusedMultiplyAdd(p1, v2, o12);
                var p2 = Vector512.Create(Unsafe.Add(ref ps, (2 * KeyBlock) + j));
                o20 = Vector512.FusedMultiplyAdd(p2, v0, o20);
                o21 = Vector512.FusedMultiplyAdd(p2, v1, o21);
                o22 = Vector512.FusedMultiplyAdd(p2, v2, o22);
                var p3 = Vector512.Create(Unsafe.Add(ref ps, (3 * KeyBlock) + j));
                o30 = Vector512.FusedMultiplyAdd(p3, v0, o30);
                o31 = Vector512.FusedMultiplyAdd(p3, v1, o31);
                o32 = Vector512.FusedMultiplyAdd(p3, v2, o32);
            }

            o00.StoreUnsafe(ref o, (nuint)((0 * dp) + 0));
            o01.StoreUnsafe(ref o, (nuint)((0 * dp) + 16));
            o02.StoreUnsafe(ref o, (nuint)((0 * dp) + 32));
            o10.StoreUnsafe(ref o, (nuint)((1 * dp) + 0));
            o11.StoreUnsafe(ref o, (nuint)((1 * dp) + 16));
            o12.StoreUnsafe(ref o, (nuint)((1 * dp) + 32));
            o20.StoreUnsafe(ref o, (nuint)((2 * dp) + 0));
            o21.StoreUnsafe(ref o, (nuint)((2 * dp) + 16));
            o22.StoreUnsafe(ref o, (nuint)((2 * dp) + 32));
            o30.StoreUnsafe(ref o, (nuint)((3 * dp) + 0));
            o31.StoreUnsafe(ref o, (nuint)((3 * dp) + 16));
            o32.StoreUnsafe(ref o, (nuint)((3 * dp) + 32));
        }

        /// <summary>The accumulation for 2 vectors of the head size at column <paramref name="c"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Chunk2(ref float os, int dp, int c, ref float vs, int keys, ref float ps, Span<float> alpha)
        {
            ref float o = ref Unsafe.Add(ref os, c);
            ref float v = ref Unsafe.Add(ref vs, c);
            var a0 = Vector512.Create(alpha[0]);
            var a1 = Vector512.Create(alpha[1]);
            var a2 = Vector512.Create(alpha[2]);
            var a3 = Vector512.Create(alpha[3]);
            var o00 = Vector512.LoadUnsafe(ref o, (nuint)((0 * dp) + 0)) * a0;
            var o01 = Vector512.LoadUnsafe(ref o, (nuint)((0 * dp) + 16)) * a0;
            var o10 = Vector512.LoadUnsafe(ref o, (nuint)((1 * dp) + 0)) * a1;
            var o11 = Vector512.LoadUnsafe(ref o, (nuint)((1 * dp) + 16)) * a1;
            var o20 = Vector512.LoadUnsafe(ref o, (nuint)((2 * dp) + 0)) * a2;
            var o21 = Vector512.LoadUnsafe(ref o, (nuint)((2 * dp) + 16)) * a2;
            var o30 = Vector512.LoadUnsafe(ref o, (nuint)((3 * dp) + 0)) * a3;
            var o31 = Vector512.LoadUnsafe(ref o, (nuint)((3 * dp) + 16)) * a3;
            for (int j = 0; j < keys; j++)
            {
                var v0 = Vector512.LoadUnsafe(ref v, (nuint)((j * dp) + 0));
                var v1 = Vector512.LoadUnsafe(ref v, (nuint)((j * dp) + 16));
                var p0 = Vector512.Create(Unsafe.Add(ref ps, (0 * KeyBlock) + j));
                o00 = Vector512.FusedMultiplyAdd(p0, v0, o00);
                o01 = Vector512.FusedMultiplyAdd(p0, v1, o01);
                var p1 = Vector512.Create(Unsafe.Add(ref ps, (1 * KeyBlock) + j));
                o10 = Vector512.FusedMultiplyAdd(p1, v0, o10);
                o11 = Vector512.FusedMultiplyAdd(p1, v1, o11);
                var p2 = Vector512.Create(Unsafe.Add(ref ps, (2 * KeyBlock) + j));
                o20 = Vector512.FusedMultiplyAdd(p2, v0, o20);
                o21 = Vector512.FusedMultiplyAdd(p2, v1, o21);
                var p3 = Vector512.Create(Unsafe.Add(ref ps, (3 * KeyBlock) + j));
                o30 = Vector512.FusedMultiplyAdd(p3, v0, o30);
                o31 = Vector512.FusedMultiplyAdd(p3, v1, o31);
            }

            o00.StoreUnsafe(ref o, (nuint)((0 * dp) + 0));
            o01.StoreUnsafe(ref o, (nuint)((0 * dp) + 16));
            o10.StoreUnsafe(ref o, (nuint)((1 * dp) + 0));
            o11.StoreUnsafe(ref o, (nuint)((1 * dp) + 16));
            o20.StoreUnsafe(ref o, (nuint)((2 * dp) + 0));
            o21.StoreUnsafe(ref o, (nuint)((2 * dp) + 16));
            o30.StoreUnsafe(ref o, (nuint)((3 * dp) + 0));
            o31.StoreUnsafe(ref o, (nuint)((3 * dp) + 16));
        }

        /// <summary>The accumulation for 1 vector of the head size at column <paramref name="c"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Chunk1(ref float os, int dp, int c, ref float vs, int keys, ref float ps, Span<float> alpha)
        {
            ref float o = ref Unsafe.Add(ref os, c);
            ref float v = ref Unsafe.Add(ref vs, c);
            var a0 = Vector512.Create(alpha[0]);
            var a1 = Vector512.Create(alpha[1]);
            var a2 = Vector512.Create(alpha[2]);
            var a3 = Vector512.Create(alpha[3]);
            var o00 = Vector512.LoadUnsafe(ref o, (nuint)((0 * dp) + 0)) * a0;
            var o10 = Vector512.LoadUnsafe(ref o, (nuint)((1 * dp) + 0)) * a1;
            var o20 = Vector512.LoadUnsafe(ref o, (nuint)((2 * dp) + 0)) * a2;
            var o30 = Vector512.LoadUnsafe(ref o, (nuint)((3 * dp) + 0)) * a3;
            for (int j = 0; j < keys; j++)
            {
                var v0 = Vector512.LoadUnsafe(ref v, (nuint)((j * dp) + 0));
                var p0 = Vector512.Create(Unsafe.Add(ref ps, (0 * KeyBlock) + j));
                o00 = Vector512.FusedMultiplyAdd(p0, v0, o00);
                var p1 = Vector512.Create(Unsafe.Add(ref ps, (1 * KeyBlock) + j));
                o10 = Vector512.FusedMultiplyAdd(p1, v0, o10);
                var p2 = Vector512.Create(Unsafe.Add(ref ps, (2 * KeyBlock) + j));
                o20 = Vector512.FusedMultiplyAdd(p2, v0, o20);
                var p3 = Vector512.Create(Unsafe.Add(ref ps, (3 * KeyBlock) + j));
                o30 = Vector512.FusedMultiplyAdd(p3, v0, o30);
            }

            o00.StoreUnsafe(ref o, (nuint)((0 * dp) + 0));
            o10.StoreUnsafe(ref o, (nuint)((1 * dp) + 0));
            o20.StoreUnsafe(ref o, (nuint)((2 * dp) + 0));
            o30.StoreUnsafe(ref o, (nuint)((3 * dp) + 0));
        }
    }
}
