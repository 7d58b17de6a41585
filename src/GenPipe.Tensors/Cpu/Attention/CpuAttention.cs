using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GenPipe.Tensors.Cpu.Kernels;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu.Attention;

/// <summary>
/// Scaled dot-product attention without the score matrix: the online softmax of FlashAttention (Dao et al., 2022).
/// For each block of queries the keys are visited in blocks of 64; the running row maximum m and sum l rescale the
/// accumulated output whenever m grows, so only a 4 x 64 tile of scores exists at a time.
/// </summary>
/// <remarks>
/// Two phases: keys are packed once per call, transposed per block of 64 ([D][64], so a score tile is a small GEMM of
/// broadcast query elements by key vectors), and values padded to whole vectors; then (batch, head, 32-query block)
/// tasks run over the workers. Few queries (a decode step) take a direct path that reads keys and values in place.
/// Per-row key starts (left padding) mask the keys before them; without any, nothing about the work changes. CPUs
/// without fast 512-bit vectors (AVX2) take the transposed path of CpuAttention.TransposedJob.cs instead: its own
/// packing (blocks of 128 keys) and tasks of 24 queries.
/// </remarks>
internal static partial class CpuAttention
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

            if (UseTransposedPath)
            {
                var transposedPack = jobs.TransposedPack;
                transposedPack.Set(query, key, value, output, geometry);
                transposedPack.EnsureBuffer();
                workers.For(transposedPack.Tasks, transposedPack);

                var transposed = jobs.Transposed;
                transposed.Set(query, key, value, output, geometry);
                transposed.Starts = starts;
                transposed.Packed = transposedPack.Packed;
                workers.For(batch * heads * transposed.QueryBlocks, transposed);
                return;
            }

            var pack = jobs.Pack;
            pack.Set(query, key, value, output, geometry);
            pack.EnsureBuffer();
            workers.For(pack.Tasks, pack);

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

        public TransposedPackJob TransposedPack { get; } = new();

        public TransposedJob Transposed { get; } = new();

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
            Transposed.Starts = null;
            Direct.Set(default, default, default, default, default);
            Pack.Set(default, default, default, default, default);
            Blocked.Set(default, default, default, default, default);
            Transposed.Set(default, default, default, default, default);
            TransposedPack.Set(default, default, default, default, default);
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

    /// <summary>
    /// The packing phase both paths share: one task per (batch, head, key block) copies that block's keys and values
    /// into <see cref="Packed"/> in the layout its products stream. Derived jobs give the sizes and the layout.
    /// </summary>
    private abstract class KeyValuePackJob : AttentionJob
    {
        public float[] Packed { get; private set; } = [];

        /// <summary>Keys per block.</summary>
        protected abstract int BlockKeys { get; }

        /// <summary>Floats of one head's packed keys and values.</summary>
        protected abstract long PerHead { get; }

        public int Tasks => Geometry.Batch * Geometry.Heads * Blocks;

        private int Blocks => (Geometry.Lk + BlockKeys - 1) / BlockKeys;

        public void EnsureBuffer()
        {
            long length = Geometry.Batch * Geometry.Heads * PerHead;
            if (length > Array.MaxLength)
            {
                throw new ArgumentException($"Attention: keys {Key.Shape} are too large to pack ({length} floats).", "key");
            }

            if (Packed.Length < length)
            {
                Packed = GC.AllocateUninitializedArray<float>((int)length);
            }
        }

        public override void Execute(int index)
        {
            var g = Geometry;
            int blocks = Blocks;
            int head = index / blocks, block = index % blocks;
            int b = head / g.Heads, h = head % g.Heads;
            int first = block * BlockKeys;
            int count = Math.Min(BlockKeys, g.Lk - first);
            PackBlock(head * PerHead, block, count, ref Row(Key, b, h, first), Key.Stride(2), ref Row(Value, b, h, first), Value.Stride(2));
        }

        /// <summary>Packs <paramref name="count"/> key and value rows of block <paramref name="block"/> of the head at <paramref name="headBase"/>, zeroing any padding.</summary>
        protected abstract void PackBlock(long headBase, int block, int count, ref float keyRows, int keyStride, ref float valueRows, int valueStride);
    }

    /// <summary>Phase one: per (batch, head, key block), keys transposed to [D][64] and values padded to whole vectors.</summary>
    private sealed class PackJob : KeyValuePackJob
    {
        protected override int BlockKeys => KeyBlock;

        protected override long PerHead => Geometry.PackedKeysPerHead + Geometry.PackedValuesPerHead;

        protected override void PackBlock(long headBase, int block, int count, ref float keyRows, int keyStride, ref float valueRows, int valueStride)
        {
            var g = Geometry;
            int d = g.D, dp = g.PaddedD;
            var keys = Packed.AsSpan((int)(headBase + ((long)block * KeyBlock * d)), KeyBlock * d);
            var values = Packed.AsSpan((int)(headBase + g.PackedKeysPerHead + ((long)block * KeyBlock * dp)), KeyBlock * dp);
            if (count < KeyBlock)
            {
                keys.Clear();
                values.Clear();
            }

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
}
