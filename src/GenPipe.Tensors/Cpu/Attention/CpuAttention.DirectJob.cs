using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GenPipe.Tensors.Cpu.Kernels;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu.Attention;

// The direct path of CpuAttention: few queries (a decode step) read keys and values in place.
internal static partial class CpuAttention
{
    /// <summary>Few queries (a decode step): per query, scores against every visible key in place, a softmax over
    /// them, and the weighted sum of value rows. One task per (batch, head, query) chunk.</summary>
    private sealed class DirectJob : AttentionJob
    {
        public int Chunks;

        public override void Execute(int index)
        {
            var g = Geometry;
            long items = (long)g.Batch * g.Heads * g.Lq;
            var (start, end) = Chunking.Range(items, Chunks, index);
            int d = g.D, dp = g.PaddedD;
            Span<float> scratch = ThreadScratch.Attention((2 * dp) + g.Lk);
            ref float q = ref scratch[0];
            ref float o = ref scratch[dp];
            ref float scores = ref scratch[2 * dp];
            for (long item = start; item < end; item++)
            {
                int i = (int)(item % g.Lq);
                int head = (int)(item / g.Lq);
                int b = head / g.Heads, h = head % g.Heads;
                scratch[..(2 * dp)].Clear();
                ref float qRow = ref Row(Query, b, h, i);
                for (int e = 0; e < d; e++)
                {
                    Unsafe.Add(ref q, e) = Unsafe.Add(ref qRow, e) * g.Scale;
                }

                int first = FirstKey(b, i);
                int visible = g.VisibleKeys(i) - first;

                // Row() reads the view's storage and strides; once per query, not once per key.
                ref float keys = ref Row(Key, b, h, first);
                ref float values = ref Row(Value, b, h, first);
                int keyStride = Key.Stride(2), valueStride = Value.Stride(2);
                for (int j = 0; j < visible; j++)
                {
                    Unsafe.Add(ref scores, j) = Dot(ref q, ref Unsafe.Add(ref keys, j * keyStride), d);
                }

                float sum = 0f;
                if (visible > 0)
                {
                    float max = RowMath.Max(ref scores, visible);
                    sum = RowMath.ExpSubtractSum(ref scores, ref scores, visible, max);
                }

                WeightedSum(ref o, ref values, valueStride, ref scores, visible, d);

                ref float outRow = ref Row(Output, b, h, i);
                float inverse = 1f / sum;
                for (int e = 0; e < d; e++)
                {
                    Unsafe.Add(ref outRow, e) = Unsafe.Add(ref o, e) * inverse;
                }
            }
        }

        private static float Dot(ref float q, ref float k, int d)
        {
            // Two accumulators halve the chain of dependent FMAs.
            var acc = Vector512<float>.Zero;
            var acc2 = Vector512<float>.Zero;
            int e = 0;
            for (; e <= d - (2 * Lanes); e += 2 * Lanes)
            {
                acc = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref q, (nuint)e), Vector512.LoadUnsafe(ref k, (nuint)e), acc);
                acc2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref q, (nuint)(e + Lanes)), Vector512.LoadUnsafe(ref k, (nuint)(e + Lanes)), acc2);
            }

            if (e <= d - Lanes)
            {
                acc = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref q, (nuint)e), Vector512.LoadUnsafe(ref k, (nuint)e), acc);
                e += Lanes;
            }

            float sum = Vector512.Sum(acc + acc2);
            for (; e < d; e++)
            {
                sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref q, e), Unsafe.Add(ref k, e), sum);
            }

            return sum;
        }

        /// <summary>
        /// o = Σ_j p_j v_j over the visible keys, a column chunk at a time with the sums in registers (a running sum
        /// in memory would chain every key through a store and a reload).
        /// </summary>
        private static void WeightedSum(ref float o, ref float values, int stride, ref float p, int keys, int d)
        {
            int e = 0;
            for (; e + (4 * Lanes) <= d; e += 4 * Lanes)
            {
                Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
                ref float v = ref Unsafe.Add(ref values, e);
                for (int j = 0; j < keys; j++)
                {
                    var w = Vector512.Create(Unsafe.Add(ref p, j));
                    ref float row = ref Unsafe.Add(ref v, j * stride);
                    s0 = Vector512.FusedMultiplyAdd(w, Vector512.LoadUnsafe(ref row), s0);
                    s1 = Vector512.FusedMultiplyAdd(w, Vector512.LoadUnsafe(ref row, 16), s1);
                    s2 = Vector512.FusedMultiplyAdd(w, Vector512.LoadUnsafe(ref row, 32), s2);
                    s3 = Vector512.FusedMultiplyAdd(w, Vector512.LoadUnsafe(ref row, 48), s3);
                }

                s0.StoreUnsafe(ref o, (nuint)e);
                s1.StoreUnsafe(ref o, (nuint)(e + 16));
                s2.StoreUnsafe(ref o, (nuint)(e + 32));
                s3.StoreUnsafe(ref o, (nuint)(e + 48));
            }

            for (; e + Lanes <= d; e += Lanes)
            {
                var s0 = Vector512<float>.Zero;
                ref float v = ref Unsafe.Add(ref values, e);
                for (int j = 0; j < keys; j++)
                {
                    s0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref p, j)), Vector512.LoadUnsafe(ref v, (nuint)(j * stride)), s0);
                }

                s0.StoreUnsafe(ref o, (nuint)e);
            }

            for (; e < d; e++)
            {
                float sum = 0f;
                for (int j = 0; j < keys; j++)
                {
                    sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref p, j), Unsafe.Add(ref values, (j * stride) + e), sum);
                }

                Unsafe.Add(ref o, e) = sum;
            }
        }
    }
}
