using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GenPipe.Tensors.Cpu.Kernels;

namespace GenPipe.Tensors.Cpu.Attention;

// The blocked path for CPUs whose widest fast vector is 256 bits (AVX2 + FMA), where the Vector512 tiles of
// BlockedJob run as pairs of halves and spill. Here vectors run over queries instead of keys: a task holds 24 queries,
// three Vector256 of them, and keeps everything transposed (scores as [key][query], output as [feature][query]). Then
// the softmax needs no horizontal reductions (a query's maximum over keys is an element-wise max down the key rows),
// both products are register tiles of 4 x 3 vectors fed by broadcasts of key and value elements, and the
// online-softmax rescale is one multiply per output vector. Keys and values are first packed per head and block of 128
// keys (TransposedPackJob) so that each product reads one sequential stream: keys as [key/4][feature][4], values as
// [feature/4][key][4]. Read in place from [B, L, H, D] projections (SD's key rows are 1280 bytes apart and a tile
// reads four at once), the score product alone took twice as long at 256 keys, and 18% longer at 4096, as on
// contiguous rows (Zen 3, one thread). The packed copy costs 2% of the call at 4096 keys.
internal static partial class CpuAttention
{
    internal const int TransposedQueries = 24;
    internal const int TransposedKeyBlock = 128;
    private const int V8 = 8;
    private const float Log2E = 1.44269504088896341f;

    /// <summary>Whether the transposed path serves this CPU: FMA at 256 bits, and no fast 512-bit vectors.</summary>
    internal static bool UseTransposedPath => !Vector512.IsHardwareAccelerated && Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported;

    /// <summary>Features rounded up to whole groups of 4 (the packed values' and the output tile's rows).</summary>
    private static int FeatureGroups4(int d) => (d + 3) / 4 * 4;

    /// <summary>Blocks of 128 keys.</summary>
    private static int TransposedKeyBlocks(int lk) => (lk + TransposedKeyBlock - 1) / TransposedKeyBlock;

    /// <summary>Floats of one head's packed keys and values: per block, keys [32][D][4] then values [D4/4][128][4].</summary>
    private static long TransposedPackedPerHead(int lk, int d) => (long)TransposedKeyBlocks(lk) * TransposedKeyBlock * (d + FeatureGroups4(d));

    /// <summary>Phase one of the transposed path: per (batch, head, block of 128 keys), keys and values packed.</summary>
    private sealed class TransposedPackJob : KeyValuePackJob
    {
        protected override int BlockKeys => TransposedKeyBlock;

        protected override long PerHead => TransposedPackedPerHead(Geometry.Lk, Geometry.D);

        protected override void PackBlock(long headBase, int block, int count, ref float keyRows, int keyStride, ref float valueRows, int valueStride)
        {
            int d = Geometry.D, d4 = FeatureGroups4(d);
            long blockBase = headBase + ((long)block * TransposedKeyBlock * (d + d4));
            var keys = Packed.AsSpan((int)blockBase, TransposedKeyBlock * d);
            var values = Packed.AsSpan((int)blockBase + (TransposedKeyBlock * d), TransposedKeyBlock * d4);
            if (count < TransposedKeyBlock || d4 != d)
            {
                keys.Clear();
                values.Clear();
            }

            for (int j = 0; j < count; j++)
            {
                ref float k = ref Unsafe.Add(ref keyRows, j * keyStride);
                ref float v = ref Unsafe.Add(ref valueRows, j * valueStride);
                ref float keyColumn = ref keys[((j >> 2) * d * 4) + (j & 3)];
                ref float valueColumn = ref values[j * 4];
                for (int e = 0; e < d; e++)
                {
                    Unsafe.Add(ref keyColumn, e * 4) = Unsafe.Add(ref k, e);
                    Unsafe.Add(ref valueColumn, ((e >> 2) * TransposedKeyBlock * 4) + (e & 3)) = Unsafe.Add(ref v, e);
                }
            }
        }
    }

    /// <summary>Phase two: one task per (batch, head, block of 24 queries); keys in blocks of 128.</summary>
    private sealed class TransposedJob : AttentionJob
    {
        public float[] Packed = [];

        public int QueryBlocks => (Geometry.Lq + TransposedQueries - 1) / TransposedQueries;

        public override void Execute(int task)
        {
            var g = Geometry;
            int head = task / QueryBlocks, qb = task % QueryBlocks;
            int b = head / g.Heads, h = head % g.Heads;
            int d = g.D;
            int q0 = qb * TransposedQueries;
            int rows = Math.Min(TransposedQueries, g.Lq - q0);

            // Scratch: queries [D][24] (scaled), output [D4][24], scores [128][24], then per query the running max, the
            // running sum and its first and last visible keys (as floats, for vector compares).
            const int Q = TransposedQueries;
            int d4 = FeatureGroups4(d);
            int tile = d * Q, outputTile = d4 * Q;
            Span<float> scratch = ThreadScratch.Attention(tile + outputTile + (TransposedKeyBlock * Q) + (4 * Q));
            ref float qt = ref scratch[0];
            ref float ot = ref scratch[tile];
            ref float st = ref scratch[tile + outputTile];
            ref float ms = ref scratch[tile + outputTile + (TransposedKeyBlock * Q)];
            ref float ls = ref Unsafe.Add(ref ms, Q);
            ref float lows = ref Unsafe.Add(ref ms, 2 * Q);
            ref float limits = ref Unsafe.Add(ref ms, 3 * Q);
            scratch[..(tile + outputTile)].Clear();

            // Scores in base 2: log2(e) joins the scale, so the softmax takes 2^x, the cheaper exponential.
            float scale = g.Scale * Log2E;

            int minLow = int.MaxValue, maxLow = 0, minLimit = int.MaxValue, maxLimit = 0;
            for (int r = 0; r < Q; r++)
            {
                Unsafe.Add(ref ms, r) = float.NegativeInfinity;
                Unsafe.Add(ref ls, r) = 0f;
                int query = Math.Min(q0 + r, g.Lq - 1);
                int low = FirstKey(b, query), limit = g.VisibleKeys(query);
                Unsafe.Add(ref lows, r) = low;
                Unsafe.Add(ref limits, r) = limit;
                if (r < rows)
                {
                    ref float q = ref Row(Query, b, h, q0 + r);
                    for (int e = 0; e < d; e++)
                    {
                        Unsafe.Add(ref qt, (e * Q) + r) = Unsafe.Add(ref q, e) * scale;
                    }

                    minLow = Math.Min(minLow, low);
                    maxLow = Math.Max(maxLow, low);
                    minLimit = Math.Min(minLimit, limit);
                    maxLimit = Math.Max(maxLimit, limit);
                }
            }

            ref float packedHead = ref Packed[(int)(head * TransposedPackedPerHead(g.Lk, d))];
            for (int first = minLow / TransposedKeyBlock * TransposedKeyBlock; first < maxLimit; first += TransposedKeyBlock)
            {
                int keys = Math.Min(TransposedKeyBlock, maxLimit - first);
                ref float packedKeys = ref Unsafe.Add(ref packedHead, first * (d + d4));
                Scores(ref qt, d, ref packedKeys, keys, ref st);
                bool mask = first < maxLow || first + keys > minLimit;
                var (a0, a1, a2) = Softmax(ref st, keys, first, mask, ref ms, ref ls, ref lows, ref limits);
                Values(ref ot, d4, ref Unsafe.Add(ref packedKeys, TransposedKeyBlock * d), keys, ref st, a0, a1, a2);
            }

            for (int r = 0; r < rows; r++)
            {
                float inverse = 1f / Unsafe.Add(ref ls, r);
                ref float o = ref Row(Output, b, h, q0 + r);
                for (int e = 0; e < d; e++)
                {
                    Unsafe.Add(ref o, e) = Unsafe.Add(ref ot, (e * Q) + r) * inverse;
                }
            }
        }

        /// <summary>
        /// st[j][0..24) = Σ_e K[j][e] · qt[e][0..24) for the block's keys rounded up to whole groups of 4 (the padding
        /// keys are zero), from keys packed [key/4][feature][4]: four keys at a time, 12 accumulators.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Scores(ref float qt, int d, ref float packedKeys, int keys, ref float st)
        {
            const int Q = TransposedQueries;
            for (int j = 0; j < keys; j += 4)
            {
                ref float k = ref Unsafe.Add(ref packedKeys, j * d);
                Vector256<float> s00 = default, s01 = default, s02 = default;
                Vector256<float> s10 = default, s11 = default, s12 = default;
                Vector256<float> s20 = default, s21 = default, s22 = default;
                Vector256<float> s30 = default, s31 = default, s32 = default;
                for (int e = 0; e < d; e++)
                {
                    ref float q = ref Unsafe.Add(ref qt, e * Q);
                    ref float ke = ref Unsafe.Add(ref k, e * 4);
                    var x0 = Vector256.LoadUnsafe(ref q);
                    var x1 = Vector256.LoadUnsafe(ref q, V8);
                    var x2 = Vector256.LoadUnsafe(ref q, 2 * V8);
                    var a = Vector256.Create(ke);
                    s00 = Vector256.FusedMultiplyAdd(a, x0, s00);
                    s01 = Vector256.FusedMultiplyAdd(a, x1, s01);
                    s02 = Vector256.FusedMultiplyAdd(a, x2, s02);
                    a = Vector256.Create(Unsafe.Add(ref ke, 1));
                    s10 = Vector256.FusedMultiplyAdd(a, x0, s10);
                    s11 = Vector256.FusedMultiplyAdd(a, x1, s11);
                    s12 = Vector256.FusedMultiplyAdd(a, x2, s12);
                    a = Vector256.Create(Unsafe.Add(ref ke, 2));
                    s20 = Vector256.FusedMultiplyAdd(a, x0, s20);
                    s21 = Vector256.FusedMultiplyAdd(a, x1, s21);
                    s22 = Vector256.FusedMultiplyAdd(a, x2, s22);
                    a = Vector256.Create(Unsafe.Add(ref ke, 3));
                    s30 = Vector256.FusedMultiplyAdd(a, x0, s30);
                    s31 = Vector256.FusedMultiplyAdd(a, x1, s31);
                    s32 = Vector256.FusedMultiplyAdd(a, x2, s32);
                }

                ref float s = ref Unsafe.Add(ref st, j * Q);
                s00.StoreUnsafe(ref s);
                s01.StoreUnsafe(ref s, V8);
                s02.StoreUnsafe(ref s, 2 * V8);
                s10.StoreUnsafe(ref s, Q);
                s11.StoreUnsafe(ref s, Q + V8);
                s12.StoreUnsafe(ref s, Q + (2 * V8));
                s20.StoreUnsafe(ref s, 2 * Q);
                s21.StoreUnsafe(ref s, (2 * Q) + V8);
                s22.StoreUnsafe(ref s, (2 * Q) + (2 * V8));
                s30.StoreUnsafe(ref s, 3 * Q);
                s31.StoreUnsafe(ref s, (3 * Q) + V8);
                s32.StoreUnsafe(ref s, (3 * Q) + (2 * V8));
            }
        }

        /// <summary>
        /// Masks the scores of keys a query may not see (only when <paramref name="mask"/>), then the online-softmax
        /// update for the block: new maxima, probabilities in place of the scores, running sums, and the factors
        /// that rescale each query's accumulated output (returned, one vector per 8 queries).
        /// </summary>
        private static (Vector256<float>, Vector256<float>, Vector256<float>) Softmax(
            ref float st, int keys, int first, bool mask, ref float ms, ref float ls, ref float lows, ref float limits)
        {
            const int Q = TransposedQueries;
            var minusInf = Vector256.Create(float.NegativeInfinity);
            var m0 = minusInf;
            var m1 = minusInf;
            var m2 = minusInf;
            var low0 = Vector256.LoadUnsafe(ref lows);
            var low1 = Vector256.LoadUnsafe(ref lows, V8);
            var low2 = Vector256.LoadUnsafe(ref lows, 2 * V8);
            var lim0 = Vector256.LoadUnsafe(ref limits);
            var lim1 = Vector256.LoadUnsafe(ref limits, V8);
            var lim2 = Vector256.LoadUnsafe(ref limits, 2 * V8);
            for (int j = 0; j < keys; j++)
            {
                ref float s = ref Unsafe.Add(ref st, j * Q);
                var s0 = Vector256.LoadUnsafe(ref s);
                var s1 = Vector256.LoadUnsafe(ref s, V8);
                var s2 = Vector256.LoadUnsafe(ref s, 2 * V8);
                if (mask)
                {
                    var key = Vector256.Create((float)(first + j));
                    s0 = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(key, low0) & Vector256.LessThan(key, lim0), s0, minusInf);
                    s1 = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(key, low1) & Vector256.LessThan(key, lim1), s1, minusInf);
                    s2 = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(key, low2) & Vector256.LessThan(key, lim2), s2, minusInf);
                    s0.StoreUnsafe(ref s);
                    s1.StoreUnsafe(ref s, V8);
                    s2.StoreUnsafe(ref s, 2 * V8);
                }

                m0 = Vector256.MaxNative(m0, s0);
                m1 = Vector256.MaxNative(m1, s1);
                m2 = Vector256.MaxNative(m2, s2);
            }

            var (c0, a0) = NewMax(ref ms, m0);
            var (c1, a1) = NewMax(ref Unsafe.Add(ref ms, V8), m1);
            var (c2, a2) = NewMax(ref Unsafe.Add(ref ms, 2 * V8), m2);
            Vector256<float> sum0 = default, sum1 = default, sum2 = default;
            for (int j = 0; j < keys; j++)
            {
                ref float s = ref Unsafe.Add(ref st, j * Q);
                var p0 = FastExp.Exp2NonPositive(Vector256.LoadUnsafe(ref s) - c0);
                var p1 = FastExp.Exp2NonPositive(Vector256.LoadUnsafe(ref s, V8) - c1);
                var p2 = FastExp.Exp2NonPositive(Vector256.LoadUnsafe(ref s, 2 * V8) - c2);
                p0.StoreUnsafe(ref s);
                p1.StoreUnsafe(ref s, V8);
                p2.StoreUnsafe(ref s, 2 * V8);
                sum0 += p0;
                sum1 += p1;
                sum2 += p2;
            }

            ((Vector256.LoadUnsafe(ref ls) * a0) + sum0).StoreUnsafe(ref ls);
            ((Vector256.LoadUnsafe(ref ls, V8) * a1) + sum1).StoreUnsafe(ref ls, V8);
            ((Vector256.LoadUnsafe(ref ls, 2 * V8) * a2) + sum2).StoreUnsafe(ref ls, 2 * V8);
            return (a0, a1, a2);
        }

        /// <summary>
        /// The running maximum after a block whose maximum is <paramref name="blockMax"/>: stores it and returns the
        /// value to subtract before the exponential (0 where nothing is visible yet, so masked scores give 0, not NaN)
        /// and the factor 2^(old - new) for what was accumulated.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (Vector256<float> Center, Vector256<float> Alpha) NewMax(ref float m, Vector256<float> blockMax)
        {
            var previous = Vector256.LoadUnsafe(ref m);
            var current = Vector256.MaxNative(previous, blockMax);
            current.StoreUnsafe(ref m);
            var center = Vector256.ConditionalSelect(Vector256.Equals(current, Vector256.Create(float.NegativeInfinity)), Vector256<float>.Zero, current);
            return (center, FastExp.Exp2NonPositive(previous - center));
        }

        /// <summary>
        /// ot[e][0..24) = alpha · ot[e] + Σ_j V[j][e] · st[j][0..24) for the block's keys, from values packed
        /// [feature/4][key][4]: four features at a time (12 accumulators), <paramref name="d4"/> a multiple of 4.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Values(ref float ot, int d4, ref float packedValues, int keys, ref float st, Vector256<float> a0, Vector256<float> a1, Vector256<float> a2)
        {
            const int Q = TransposedQueries;
            for (int e = 0; e < d4; e += 4)
            {
                ref float o = ref Unsafe.Add(ref ot, e * Q);
                var o00 = Vector256.LoadUnsafe(ref o) * a0;
                var o01 = Vector256.LoadUnsafe(ref o, V8) * a1;
                var o02 = Vector256.LoadUnsafe(ref o, 2 * V8) * a2;
                var o10 = Vector256.LoadUnsafe(ref o, Q) * a0;
                var o11 = Vector256.LoadUnsafe(ref o, Q + V8) * a1;
                var o12 = Vector256.LoadUnsafe(ref o, Q + (2 * V8)) * a2;
                var o20 = Vector256.LoadUnsafe(ref o, 2 * Q) * a0;
                var o21 = Vector256.LoadUnsafe(ref o, (2 * Q) + V8) * a1;
                var o22 = Vector256.LoadUnsafe(ref o, (2 * Q) + (2 * V8)) * a2;
                var o30 = Vector256.LoadUnsafe(ref o, 3 * Q) * a0;
                var o31 = Vector256.LoadUnsafe(ref o, (3 * Q) + V8) * a1;
                var o32 = Vector256.LoadUnsafe(ref o, (3 * Q) + (2 * V8)) * a2;
                ref float v = ref Unsafe.Add(ref packedValues, e * TransposedKeyBlock);
                for (int j = 0; j < keys; j++)
                {
                    ref float p = ref Unsafe.Add(ref st, j * Q);
                    ref float vj = ref Unsafe.Add(ref v, j * 4);
                    var p0 = Vector256.LoadUnsafe(ref p);
                    var p1 = Vector256.LoadUnsafe(ref p, V8);
                    var p2 = Vector256.LoadUnsafe(ref p, 2 * V8);
                    var x = Vector256.Create(vj);
                    o00 = Vector256.FusedMultiplyAdd(x, p0, o00);
                    o01 = Vector256.FusedMultiplyAdd(x, p1, o01);
                    o02 = Vector256.FusedMultiplyAdd(x, p2, o02);
                    x = Vector256.Create(Unsafe.Add(ref vj, 1));
                    o10 = Vector256.FusedMultiplyAdd(x, p0, o10);
                    o11 = Vector256.FusedMultiplyAdd(x, p1, o11);
                    o12 = Vector256.FusedMultiplyAdd(x, p2, o12);
                    x = Vector256.Create(Unsafe.Add(ref vj, 2));
                    o20 = Vector256.FusedMultiplyAdd(x, p0, o20);
                    o21 = Vector256.FusedMultiplyAdd(x, p1, o21);
                    o22 = Vector256.FusedMultiplyAdd(x, p2, o22);
                    x = Vector256.Create(Unsafe.Add(ref vj, 3));
                    o30 = Vector256.FusedMultiplyAdd(x, p0, o30);
                    o31 = Vector256.FusedMultiplyAdd(x, p1, o31);
                    o32 = Vector256.FusedMultiplyAdd(x, p2, o32);
                }

                o00.StoreUnsafe(ref o);
                o01.StoreUnsafe(ref o, V8);
                o02.StoreUnsafe(ref o, 2 * V8);
                o10.StoreUnsafe(ref o, Q);
                o11.StoreUnsafe(ref o, Q + V8);
                o12.StoreUnsafe(ref o, Q + (2 * V8));
                o20.StoreUnsafe(ref o, 2 * Q);
                o21.StoreUnsafe(ref o, (2 * Q) + V8);
                o22.StoreUnsafe(ref o, (2 * Q) + (2 * V8));
                o30.StoreUnsafe(ref o, 3 * Q);
                o31.StoreUnsafe(ref o, (3 * Q) + V8);
                o32.StoreUnsafe(ref o, (3 * Q) + (2 * V8));
            }
        }
    }
}
