using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GenPipe.Tensors.Cpu.Kernels;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu.Attention;

// The blocked path of CpuAttention (phase two): score tiles, the online-softmax update, and the value accumulation
// that hands each group of head-size vectors to CpuAttention.ValueChunks.cs.
internal static partial class CpuAttention
{
    /// <summary>Phase two: one task per (batch, head, block of 32 queries), keys in blocks of 64, rows in groups of 4.</summary>
    private sealed partial class BlockedJob : AttentionJob
    {
        public float[] Packed = [];
        public int Chunks;

        public override void Execute(int index)
        {
            if (Chunks > 1)
            {
                RunTask(index);
                return;
            }

            // Small work runs inline as one chunk: every task in turn.
            int tasks = Geometry.Batch * Geometry.Heads * Geometry.QueryBlocks;
            for (int task = 0; task < tasks; task++)
            {
                RunTask(task);
            }
        }

        private void RunTask(int task)
        {
            var g = Geometry;
            int head = task / g.QueryBlocks, qb = task % g.QueryBlocks;
            int b = head / g.Heads, h = head % g.Heads;
            int d = g.D, dp = g.PaddedD;
            int q0 = qb * QueryBlock;
            int rows = Math.Min(QueryBlock, g.Lq - q0);
            int paddedRows = (rows + RowGroup - 1) / RowGroup * RowGroup;

            // Scratch: scaled queries [rows][D], output accumulators [rows][Dp], running max and sum, and one
            // probability tile [4][64].
            int qsSize = paddedRows * d, osSize = paddedRows * dp;
            Span<float> scratch = ThreadScratch.Attention(qsSize + osSize + (2 * QueryBlock) + (RowGroup * KeyBlock));
            ref float qs = ref scratch[0];
            ref float os = ref scratch[qsSize];
            ref float ms = ref scratch[qsSize + osSize];
            ref float ls = ref scratch[qsSize + osSize + QueryBlock];
            ref float ps = ref scratch[qsSize + osSize + (2 * QueryBlock)];
            scratch[..(qsSize + osSize)].Clear();
            for (int r = 0; r < rows; r++)
            {
                ref float q = ref Row(Query, b, h, q0 + r);
                for (int e = 0; e < d; e++)
                {
                    Unsafe.Add(ref qs, (r * d) + e) = Unsafe.Add(ref q, e) * g.Scale;
                }
            }

            for (int r = 0; r < QueryBlock; r++)
            {
                Unsafe.Add(ref ms, r) = float.NegativeInfinity;
                Unsafe.Add(ref ls, r) = 0f;
            }

            long headBase = head * (g.PackedKeysPerHead + g.PackedValuesPerHead);
            int lastVisible = g.VisibleKeys(q0 + rows - 1);
            int blocks = (lastVisible + KeyBlock - 1) / KeyBlock;
            Span<float> alpha = stackalloc float[RowGroup];

            // The first row has the smallest first key (it grows with the query), so blocks before its start are skipped.
            for (int kb = FirstKey(b, q0) / KeyBlock; kb < blocks; kb++)
            {
                int first = kb * KeyBlock;
                ref float kt = ref Packed[headBase + ((long)first * d)];
                ref float vs = ref Packed[headBase + g.PackedKeysPerHead + ((long)first * dp)];
                for (int r0 = 0; r0 < rows; r0 += RowGroup)
                {
                    int groupVisible = g.VisibleKeys(q0 + Math.Min(r0 + RowGroup, rows) - 1);
                    if (groupVisible <= first || FirstKey(b, q0 + r0) >= first + KeyBlock)
                    {
                        continue;
                    }

                    int keys = Math.Min(KeyBlock, groupVisible - first);
                    ScoreTile(ref Unsafe.Add(ref qs, r0 * d), d, ref kt, b, first, q0 + r0, keys, ref Unsafe.Add(ref ms, r0), ref Unsafe.Add(ref ls, r0), ref ps, alpha);
                    AccumulateValues(ref Unsafe.Add(ref os, r0 * dp), dp, ref vs, keys, ref ps, alpha);
                }
            }

            for (int r = 0; r < rows; r++)
            {
                float inverse = 1f / Unsafe.Add(ref ls, r);
                ref float o = ref Row(Output, b, h, q0 + r);
                ref float acc = ref Unsafe.Add(ref os, r * dp);
                int e = 0;
                var iv = Vector512.Create(inverse);
                for (; e <= d - Lanes; e += Lanes)
                {
                    (Vector512.LoadUnsafe(ref acc, (nuint)e) * iv).StoreUnsafe(ref o, (nuint)e);
                }

                for (; e < d; e++)
                {
                    Unsafe.Add(ref o, e) = Unsafe.Add(ref acc, e) * inverse;
                }
            }
        }

        /// <summary>
        /// Scores of 4 query rows against one key block (16 vector accumulators), masked, then the online-softmax
        /// update: new row maxima, probabilities into <paramref name="ps"/> [4][64], the factors <paramref name="alpha"/>
        /// that rescale each row's accumulated output, and the running sums.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ScoreTile(ref float qs, int d, ref float kt, int b, int firstKey, int firstQuery, int keys, ref float ms, ref float ls, ref float ps, Span<float> alpha)
        {
            Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default;
            Vector512<float> s10 = default, s11 = default, s12 = default, s13 = default;
            Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default;
            Vector512<float> s30 = default, s31 = default, s32 = default, s33 = default;
            // The full tile keeps 16 Vector512 accumulators in registers with AVX-512; without it each is two ymm
            // halves, 32 in all for 16 registers, so there the tile is computed one 16-key vector at a time (8 ymm).
            if (keys > 3 * Lanes && Vector512.IsHardwareAccelerated)
            {
                ref float q1 = ref Unsafe.Add(ref qs, d);
                ref float q2 = ref Unsafe.Add(ref qs, 2 * d);
                ref float q3 = ref Unsafe.Add(ref qs, 3 * d);
                for (int e = 0; e < d; e++)
                {
                    ref float k = ref Unsafe.Add(ref kt, e * KeyBlock);
                    var k0 = Vector512.LoadUnsafe(ref k);
                    var k1 = Vector512.LoadUnsafe(ref k, 16);
                    var k2 = Vector512.LoadUnsafe(ref k, 32);
                    var k3 = Vector512.LoadUnsafe(ref k, 48);
                    var a = Vector512.Create(Unsafe.Add(ref qs, e));
                    s00 = Vector512.FusedMultiplyAdd(a, k0, s00);
                    s01 = Vector512.FusedMultiplyAdd(a, k1, s01);
                    s02 = Vector512.FusedMultiplyAdd(a, k2, s02);
                    s03 = Vector512.FusedMultiplyAdd(a, k3, s03);
                    a = Vector512.Create(Unsafe.Add(ref q1, e));
                    s10 = Vector512.FusedMultiplyAdd(a, k0, s10);
                    s11 = Vector512.FusedMultiplyAdd(a, k1, s11);
                    s12 = Vector512.FusedMultiplyAdd(a, k2, s12);
                    s13 = Vector512.FusedMultiplyAdd(a, k3, s13);
                    a = Vector512.Create(Unsafe.Add(ref q2, e));
                    s20 = Vector512.FusedMultiplyAdd(a, k0, s20);
                    s21 = Vector512.FusedMultiplyAdd(a, k1, s21);
                    s22 = Vector512.FusedMultiplyAdd(a, k2, s22);
                    s23 = Vector512.FusedMultiplyAdd(a, k3, s23);
                    a = Vector512.Create(Unsafe.Add(ref q3, e));
                    s30 = Vector512.FusedMultiplyAdd(a, k0, s30);
                    s31 = Vector512.FusedMultiplyAdd(a, k1, s31);
                    s32 = Vector512.FusedMultiplyAdd(a, k2, s32);
                    s33 = Vector512.FusedMultiplyAdd(a, k3, s33);
                }
            }
            else
            {
                // A short last block (cross-attention over 77 text tokens): only the vectors that hold keys.
                int vectors = (keys + Lanes - 1) / Lanes;
                PartialScores(ref qs, d, ref kt, ref s00, ref s10, ref s20, ref s30, 0);
                if (vectors > 1)
                {
                    PartialScores(ref qs, d, ref kt, ref s01, ref s11, ref s21, ref s31, 1);
                }

                if (vectors > 2)
                {
                    PartialScores(ref qs, d, ref kt, ref s02, ref s12, ref s22, ref s32, 2);
                }

                if (vectors > 3)
                {
                    PartialScores(ref qs, d, ref kt, ref s03, ref s13, ref s23, ref s33, 3);
                }
            }

            // Keys past the end, (causal) past a row's horizon or before a row's start get -inf; a full, visible block
            // skips this. The last row of the group starts latest.
            var g = Geometry;
            bool mask = keys < KeyBlock || (g.Causal && g.VisibleKeys(firstQuery) < firstKey + KeyBlock) || FirstKey(b, firstQuery + 3) > firstKey;
            alpha[0] = Update(mask, firstKey, FirstKey(b, firstQuery), g.VisibleKeys(firstQuery), ref s00, ref s01, ref s02, ref s03, ref ms, ref ls, ref ps);
            alpha[1] = Update(mask, firstKey, FirstKey(b, firstQuery + 1), g.VisibleKeys(firstQuery + 1), ref s10, ref s11, ref s12, ref s13, ref Unsafe.Add(ref ms, 1), ref Unsafe.Add(ref ls, 1), ref Unsafe.Add(ref ps, KeyBlock));
            alpha[2] = Update(mask, firstKey, FirstKey(b, firstQuery + 2), g.VisibleKeys(firstQuery + 2), ref s20, ref s21, ref s22, ref s23, ref Unsafe.Add(ref ms, 2), ref Unsafe.Add(ref ls, 2), ref Unsafe.Add(ref ps, 2 * KeyBlock));
            alpha[3] = Update(mask, firstKey, FirstKey(b, firstQuery + 3), g.VisibleKeys(firstQuery + 3), ref s30, ref s31, ref s32, ref s33, ref Unsafe.Add(ref ms, 3), ref Unsafe.Add(ref ls, 3), ref Unsafe.Add(ref ps, 3 * KeyBlock));
        }

        /// <summary>One vector (16 keys) of scores for 4 query rows.</summary>
        private static void PartialScores(ref float qs, int d, ref float kt, ref Vector512<float> s0, ref Vector512<float> s1, ref Vector512<float> s2, ref Vector512<float> s3, int vector)
        {
            ref float q1 = ref Unsafe.Add(ref qs, d);
            ref float q2 = ref Unsafe.Add(ref qs, 2 * d);
            ref float q3 = ref Unsafe.Add(ref qs, 3 * d);
            ref float k = ref Unsafe.Add(ref kt, vector * Lanes);
            var a0 = Vector512<float>.Zero;
            var a1 = Vector512<float>.Zero;
            var a2 = Vector512<float>.Zero;
            var a3 = Vector512<float>.Zero;
            for (int e = 0; e < d; e++)
            {
                var kv = Vector512.LoadUnsafe(ref k, (nuint)(e * KeyBlock));
                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref qs, e)), kv, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref q1, e)), kv, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref q2, e)), kv, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref q3, e)), kv, a3);
            }

            s0 = a0;
            s1 = a1;
            s2 = a2;
            s3 = a3;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float Update(bool mask, int firstKey, int start, int visible, ref Vector512<float> s0, ref Vector512<float> s1, ref Vector512<float> s2, ref Vector512<float> s3, ref float m, ref float l, ref float p)
        {
            if (mask)
            {
                var low = Vector512.Create((float)(start - firstKey));
                var limit = Vector512.Create((float)(visible - firstKey));
                var minusInf = Vector512.Create(float.NegativeInfinity);
                s0 = Mask(s0, Vector512<float>.Indices, low, limit, minusInf);
                s1 = Mask(s1, Vector512<float>.Indices + Vector512.Create(16f), low, limit, minusInf);
                s2 = Mask(s2, Vector512<float>.Indices + Vector512.Create(32f), low, limit, minusInf);
                s3 = Mask(s3, Vector512<float>.Indices + Vector512.Create(48f), low, limit, minusInf);
            }

            float blockMax = RowMath.HorizontalMax(Vector512.Max(Vector512.Max(s0, s1), Vector512.Max(s2, s3)));
            float previous = m;
            float current = Math.Max(previous, blockMax);
            if (float.IsNegativeInfinity(current))
            {
                // Nothing visible to this row yet (a padded row, or causal with more queries than keys).
                Vector512<float>.Zero.StoreUnsafe(ref p);
                Vector512<float>.Zero.StoreUnsafe(ref p, 16);
                Vector512<float>.Zero.StoreUnsafe(ref p, 32);
                Vector512<float>.Zero.StoreUnsafe(ref p, 48);
                return 1f;
            }

            var c = Vector512.Create(current);
            var p0 = FastExp.Exp(s0 - c);
            var p1 = FastExp.Exp(s1 - c);
            var p2 = FastExp.Exp(s2 - c);
            var p3 = FastExp.Exp(s3 - c);
            p0.StoreUnsafe(ref p);
            p1.StoreUnsafe(ref p, 16);
            p2.StoreUnsafe(ref p, 32);
            p3.StoreUnsafe(ref p, 48);
            float alpha = MathF.Exp(previous - current);
            l = (l * alpha) + Vector512.Sum((p0 + p1) + (p2 + p3));
            m = current;
            return alpha;
        }

        /// <summary>Scores whose key index <paramref name="lane"/> is outside [low, limit) become -inf.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Mask(Vector512<float> scores, Vector512<float> lane, Vector512<float> low, Vector512<float> limit, Vector512<float> minusInf) =>
            Vector512.ConditionalSelect(Vector512.LessThan(lane, limit) & Vector512.GreaterThanOrEqual(lane, low), scores, minusInf);

        /// <summary>O[4][Dp] = alpha * O + P[4][keys] · V[keys][Dp], four head-size vectors at a time (fewer at the end),
        /// so each broadcast probability feeds up to four FMAs.</summary>
        private static void AccumulateValues(ref float os, int dp, ref float vs, int keys, ref float ps, Span<float> alpha)
        {
            if (!Vector512.IsHardwareAccelerated)
            {
                // Without AVX-512 a Vector512 is two ymm registers: four rows of one vector (8 ymm accumulators) fit the
                // 16 registers, while two or more vectors (16 or more) spill in the inner loop.
                for (int column = 0; column < dp; column += Lanes)
                {
                    Chunk1(ref os, dp, column, ref vs, keys, ref ps, alpha);
                }

                return;
            }

            int c = 0;
            for (; c + (4 * Lanes) <= dp; c += 4 * Lanes)
            {
                Chunk4(ref os, dp, c, ref vs, keys, ref ps, alpha);
            }

            switch ((dp - c) / Lanes)
            {
                case 3:
                    Chunk3(ref os, dp, c, ref vs, keys, ref ps, alpha);
                    break;
                case 2:
                    Chunk2(ref os, dp, c, ref vs, keys, ref ps, alpha);
                    break;
                case 1:
                    Chunk1(ref os, dp, c, ref vs, keys, ref ps, alpha);
                    break;
            }
        }
    }
}
