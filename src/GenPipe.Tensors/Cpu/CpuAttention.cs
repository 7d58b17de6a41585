using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GenPipe.Tensors.Cpu.Kernels;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu;

/// <summary>
/// Scaled dot-product attention without the score matrix: the online softmax of FlashAttention (Dao et al., 2022).
/// For each block of queries the keys are visited in blocks of 64; the running row maximum m and sum l rescale the
/// accumulated output whenever m grows, so only a 4 x 64 tile of scores exists at a time.
/// </summary>
/// <remarks>
/// Two phases: keys are packed once per call, transposed per block of 64 ([D][64], so a score tile is a small GEMM of
/// broadcast query elements by key vectors), and values padded to whole vectors; then (batch, head, 32-query block)
/// tasks run over the workers. Few queries (a decode step) take a direct path that reads keys and values in place.
/// Per-row key starts (left padding) mask the keys before them; without any, nothing about the work changes.
/// </remarks>
internal static class CpuAttention
{
    internal const int KeyBlock = 64;
    internal const int QueryBlock = 32;
    private const int Lanes = 16;
    private const int RowGroup = 4;
    private const int DirectPathMaxQueries = 8;

    [ThreadStatic]
    private static Jobs? t_jobs;

    public static void Run(TensorView query, TensorView key, TensorView value, TensorView output, float scale, bool causal, ReadOnlySpan<int> keyStarts, CpuWorkers workers)
    {
        Validate(query, key, value, output, keyStarts);
        int batch = query.Dim(0), heads = query.Dim(1), lq = query.Dim(2), lk = key.Dim(2), d = query.Dim(3);
        if (batch * heads * lq == 0 || d == 0)
        {
            return;
        }

        var jobs = t_jobs ??= new Jobs();
        var geometry = new AttentionGeometry(batch, heads, lq, lk, d, scale, causal);
        try
        {
            // All-zero starts mask nothing: the jobs then run exactly as without them.
            var starts = jobs.SetStarts(keyStarts);
            if (lq <= DirectPathMaxQueries)
            {
                var direct = jobs.Direct;
                direct.Set(query, key, value, output, geometry);
                direct.Starts = starts;
                long items = (long)batch * heads * lq;
                direct.Chunks = Chunking.Count(items, (long)lk * d * 2, workers.Threads);
                workers.For(direct.Chunks, direct);
                return;
            }

            var pack = jobs.Pack;
            pack.Set(query, key, value, output, geometry);
            pack.EnsureBuffer();
            workers.For(batch * heads * geometry.KeyBlocks, pack);

            var blocked = jobs.Blocked;
            blocked.Set(query, key, value, output, geometry);
            blocked.Starts = starts;
            blocked.Packed = pack.Packed;
            long work = (long)lq * lk * d * batch * heads;
            blocked.Chunks = work < 256 * 1024 ? 1 : batch * heads * geometry.QueryBlocks;
            workers.For(blocked.Chunks, blocked);
        }
        finally
        {
            jobs.Clear();
        }
    }

    private static void Validate(TensorView query, TensorView key, TensorView value, TensorView output, ReadOnlySpan<int> keyStarts)
    {
        if (!keyStarts.IsEmpty && keyStarts.Length != query.Dim(0))
        {
            throw new ArgumentException($"Attention: {keyStarts.Length} key starts for a batch of {query.Dim(0)}; give one per batch row or none.", nameof(keyStarts));
        }

        foreach (int start in keyStarts)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(start, nameof(keyStarts));
        }

        ShapeChecks.Rank(query, 4, "Attention", nameof(query));
        ShapeChecks.Rank(key, 4, "Attention", nameof(key));
        ShapeChecks.Rank(value, 4, "Attention", nameof(value));
        ShapeChecks.Rank(output, 4, "Attention", nameof(output));
        if (key.Shape != value.Shape)
        {
            throw new ArgumentException($"Attention: key {key.Shape} and value {value.Shape} must have one shape.", nameof(value));
        }

        if (key.Dim(0) != query.Dim(0) || key.Dim(1) != query.Dim(1) || key.Dim(3) != query.Dim(3))
        {
            throw new ArgumentException(
                $"Attention: query {query.Shape} and key {key.Shape} must agree in batch, heads and head size.", nameof(key));
        }

        if (output.Shape != query.Shape)
        {
            throw new ArgumentException($"Attention: output is {output.Shape} but must be the query's {query.Shape}.", nameof(output));
        }

        if (key.Dim(2) == 0)
        {
            throw new ArgumentException($"Attention: key {key.Shape} has no positions to attend to.", nameof(key));
        }

        ShapeChecks.UnitLastStride(query, "Attention", nameof(query));
        ShapeChecks.UnitLastStride(key, "Attention", nameof(key));
        ShapeChecks.UnitLastStride(value, "Attention", nameof(value));
        ShapeChecks.UnitLastStride(output, "Attention", nameof(output));
    }

    /// <summary>Sizes shared by the phases.</summary>
    private readonly record struct AttentionGeometry(int Batch, int Heads, int Lq, int Lk, int D, float Scale, bool Causal)
    {
        public int PaddedD => (D + Lanes - 1) / Lanes * Lanes;

        public int KeyBlocks => (Lk + KeyBlock - 1) / KeyBlock;

        public int QueryBlocks => (Lq + QueryBlock - 1) / QueryBlock;

        /// <summary>Floats of packed keys per head: [blocks][D][64].</summary>
        public long PackedKeysPerHead => (long)KeyBlocks * KeyBlock * D;

        /// <summary>Floats of padded values per head: [blocks * 64][PaddedD].</summary>
        public long PackedValuesPerHead => (long)KeyBlocks * KeyBlock * PaddedD;

        /// <summary>The last key query <paramref name="i"/> may see, plus one.</summary>
        public int VisibleKeys(int i) => Causal ? Math.Clamp(i + Lk - Lq + 1, 0, Lk) : Lk;
    }

    private sealed class Jobs
    {
        public DirectJob Direct { get; } = new();

        public PackJob Pack { get; } = new();

        public BlockedJob Blocked { get; } = new();

        private int[] _starts = [];

        /// <summary>The starts copied into a buffer this thread keeps, or null when none is above zero.</summary>
        public int[]? SetStarts(ReadOnlySpan<int> keyStarts)
        {
            if (!keyStarts.ContainsAnyExcept(0))
            {
                return null;
            }

            if (_starts.Length < keyStarts.Length)
            {
                _starts = new int[keyStarts.Length];
            }

            keyStarts.CopyTo(_starts);
            return _starts;
        }

        public void Clear()
        {
            Direct.Starts = null;
            Blocked.Starts = null;
            Direct.Set(default, default, default, default, default);
            Pack.Set(default, default, default, default, default);
            Blocked.Set(default, default, default, default, default);
        }
    }

    private abstract class AttentionJob : IParallelWork
    {
        protected TensorView Query;
        protected TensorView Key;
        protected TensorView Value;
        protected TensorView Output;
        protected AttentionGeometry Geometry;

        /// <summary>Per batch row, the first key it may see; null when every row starts at key 0.</summary>
        public int[]? Starts;

        public void Set(TensorView query, TensorView key, TensorView value, TensorView output, AttentionGeometry geometry)
        {
            Query = query;
            Key = key;
            Value = value;
            Output = output;
            Geometry = geometry;
        }

        public abstract void Execute(int index);

        /// <summary>
        /// The first key query <paramref name="i"/> of batch row <paramref name="b"/> sees: the row's start, or, for a
        /// query before it (padding), its own last visible key, so that it attends to something.
        /// </summary>
        protected int FirstKey(int b, int i) =>
            Starts is null ? 0 : Math.Max(0, Math.Min(Starts[b], Geometry.VisibleKeys(i) - 1));

        protected ref float Row(TensorView view, int b, int h, int position) =>
            ref Unsafe.Add(ref view.Origin, (b * view.Stride(0)) + (h * view.Stride(1)) + (position * view.Stride(2)));
    }

    /// <summary>Phase one: per (batch, head, key block), keys transposed to [D][64] and values padded to whole vectors.</summary>
    private sealed class PackJob : AttentionJob
    {
        public float[] Packed { get; private set; } = [];

        public void EnsureBuffer()
        {
            long length = (long)Geometry.Batch * Geometry.Heads * (Geometry.PackedKeysPerHead + Geometry.PackedValuesPerHead);
            if (length > Array.MaxLength)
            {
                throw new ArgumentException($"Attention: keys {Key.Shape} are too large to pack ({length} floats).", "key");
            }

            if (Packed.Length < length)
            {
                Packed = new float[length];
            }
        }

        public override void Execute(int index)
        {
            var g = Geometry;
            int blocks = g.KeyBlocks;
            int head = index / blocks, block = index % blocks;
            int b = head / g.Heads, h = head % g.Heads;
            int d = g.D, dp = g.PaddedD;
            int first = block * KeyBlock;
            int count = Math.Min(KeyBlock, g.Lk - first);
            long headBase = head * (g.PackedKeysPerHead + g.PackedValuesPerHead);
            var keys = Packed.AsSpan((int)(headBase + ((long)block * KeyBlock * d)), KeyBlock * d);
            var values = Packed.AsSpan((int)(headBase + g.PackedKeysPerHead + ((long)first * dp)), KeyBlock * dp);
            if (count < KeyBlock)
            {
                keys.Clear();
                values.Clear();
            }

            ref float keyRows = ref Row(Key, b, h, first);
            ref float valueRows = ref Row(Value, b, h, first);
            int keyStride = Key.Stride(2), valueStride = Value.Stride(2);
            for (int j = 0; j < count; j++)
            {
                ref float k = ref Unsafe.Add(ref keyRows, j * keyStride);
                ref float column = ref keys[j];
                for (int e = 0; e < d; e++)
                {
                    Unsafe.Add(ref column, e * KeyBlock) = Unsafe.Add(ref k, e);
                }

                var valueRow = values.Slice(j * dp, dp);
                System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref valueRows, j * valueStride), d).CopyTo(valueRow);
                valueRow[d..].Clear();
            }
        }
    }

    /// <summary>Phase two: one task per (batch, head, block of 32 queries), keys in blocks of 64, rows in groups of 4.</summary>
    private sealed class BlockedJob : AttentionJob
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
            float[] scratch = ThreadScratch.Attention(qsSize + osSize + (2 * QueryBlock) + (RowGroup * KeyBlock));
            ref float qs = ref scratch[0];
            ref float os = ref scratch[qsSize];
            ref float ms = ref scratch[qsSize + osSize];
            ref float ls = ref scratch[qsSize + osSize + QueryBlock];
            ref float ps = ref scratch[qsSize + osSize + (2 * QueryBlock)];
            scratch.AsSpan(0, qsSize + osSize).Clear();
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
            float[] scratch = ThreadScratch.Attention((2 * dp) + g.Lk);
            ref float q = ref scratch[0];
            ref float o = ref scratch[dp];
            ref float scores = ref scratch[2 * dp];
            for (long item = start; item < end; item++)
            {
                int i = (int)(item % g.Lq);
                int head = (int)(item / g.Lq);
                int b = head / g.Heads, h = head % g.Heads;
                scratch.AsSpan(0, 2 * dp).Clear();
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
