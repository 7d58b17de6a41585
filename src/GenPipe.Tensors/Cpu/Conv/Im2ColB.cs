using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using GenPipe.Tensors.Cpu.Gemm;

namespace GenPipe.Tensors.Cpu.Conv;

/// The im2col matrix of one image and group, B [Cin/g * kH * kW, Ho * Wo], packed straight from the image into NR-wide
/// panels: row (ci, ky, kx), column (oy, ox) holds input[ci, oy*sh + ky*dh - ph, ox*sw + kx*dw - pw] or zero
/// outside the image. The full matrix is never materialized; for stride 1 every output row is one contiguous copy.
internal readonly unsafe struct Im2ColB : IBSource
{
    private readonly float* _image;
    private readonly ConvShape _shape;

    public Im2ColB(float* image, in ConvShape shape)
    {
        _image = image;
        _shape = shape;
    }

    public float* Block(int k0, int kc, int j0, int nc, float* scratch)
    {
        const int NR = GemmBlocking.NR;
        int pixels = _shape.OutH * _shape.OutW;
        Span<Run> runs = stackalloc Run[NR];
        for (int jp = 0; jp < nc; jp += NR)
        {
            float* panel = scratch + ((jp / NR) * kc * NR);
            int q0 = j0 + jp;
            int width = Math.Min(NR, pixels - q0);
            int count = Runs(q0, width, runs);

            // Walk (ci, ky, kx) along the depth with counters: two divisions per row would cost more than its copies.
            int taps = _shape.KernelH * _shape.KernelW;
            int ci = k0 / taps;
            int ky = (k0 - (ci * taps)) / _shape.KernelW;
            int kx = k0 - (ci * taps) - (ky * _shape.KernelW);
            for (int k = 0; k < kc; k++)
            {
                PackRow(panel + (k * NR), ci, ky, kx, runs[..count], width);
                if (++kx == _shape.KernelW)
                {
                    kx = 0;
                    if (++ky == _shape.KernelH)
                    {
                        ky = 0;
                        ci++;
                    }
                }
            }
        }

        return scratch;
    }

    // The panel's pixels split into stretches of one output row each.
    private int Runs(int q0, int width, Span<Run> runs)
    {
        int count = 0;
        int oy = q0 / _shape.OutW;
        int ox = q0 % _shape.OutW;
        for (int filled = 0; filled < width;)
        {
            int length = Math.Min(_shape.OutW - ox, width - filled);
            runs[count++] = new Run(oy, ox, filled, length);
            filled += length;
            ox = 0;
            oy++;
        }

        return count;
    }

    private void PackRow(float* destination, int ci, int ky, int kx, ReadOnlySpan<Run> runs, int width)
    {
        ref readonly var s = ref _shape;
        float* channel = _image + ((nint)ci * s.ChannelStride);
        int dy = (ky * s.DilationH) - s.PadH;
        int dx = (kx * s.DilationW) - s.PadW;
        foreach (var run in runs)
        {
            float* dst = destination + run.Column;
            int iy = (run.OutY * s.StrideH) + dy;
            if ((uint)iy >= (uint)s.Height)
            {
                new Span<float>(dst, run.Length).Clear();
                continue;
            }

            float* row = channel + ((nint)iy * s.Width);
            int ix0 = (run.OutX * s.StrideW) + dx;
            if (s.StrideW == 1 && Avx512F.IsSupported && run.Length >= 16 && s.Width >= 16)
            {
                CopyUnitStrideWindowed(dst, row, ix0, run.Length, s.Width);
            }
            else if (s.StrideW == 1 && Avx2.IsSupported && run.Length >= 8 && s.Width >= 8)
            {
                CopyUnitStrideWindowed8(dst, row, ix0, run.Length, s.Width);
            }
            else if (s.StrideW == 1)
            {
                CopyUnitStride(dst, row + ix0, run.Length, Math.Clamp(-ix0, 0, run.Length), Math.Clamp(s.Width - ix0, 0, run.Length));
            }
            else if (s.StrideW == 2 && Avx512F.IsSupported)
            {
                CopyStrideTwo(dst, row, ix0, run.Length, s.Width);
            }
            else if (s.StrideW == 2 && Avx2.IsSupported)
            {
                CopyStrideTwo8(dst, row, ix0, run.Length, s.Width);
            }
            else
            {
                for (int t = 0, ix = ix0; t < run.Length; t++, ix += s.StrideW)
                {
                    dst[t] = (uint)ix < (uint)s.Width ? row[ix] : 0f;
                }
            }
        }

        new Span<float>(destination + width, GemmBlocking.NR - width).Clear();
    }

    // dst[t] = src[t] for t in [lo, hi), zero elsewhere in [0, length). Runs are short (an output row), so plain
    // loops beat span helpers.
    private static void CopyUnitStride(float* dst, float* src, int length, int lo, int hi)
    {
        int t = 0;
        for (; t < lo; t++)
        {
            dst[t] = 0f;
        }

        if (Vector512.IsHardwareAccelerated)
        {
            for (; t + 16 <= hi; t += 16)
            {
                Vector512.Load(src + t).Store(dst + t);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; t + 8 <= hi; t += 8)
            {
                Vector256.Load(src + t).Store(dst + t);
            }
        }

        for (; t < hi; t++)
        {
            dst[t] = src[t];
        }

        for (; t < length; t++)
        {
            dst[t] = 0f;
        }
    }

    // dst[t] = row[ix0 + t] where inside the row, else zero, 16 outputs at a time: one load of a 16-float window
    // clamped inside the row, shifted into place by a permute, lanes outside the row zeroed. The last chunk overlaps
    // the previous one rather than falling back to scalar steps.
    private static void CopyUnitStrideWindowed(float* dst, float* row, int ix0, int length, int width)
    {
        var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var limit = Vector512.Create(width);
        for (int t = 0; t < length; t += 16)
        {
            t = Math.Min(t, length - 16);
            int lo = ix0 + t;
            int window = Math.Clamp(lo, 0, width - 16);
            var source = Vector512.Load(row + window);
            if (lo == window)
            {
                source.Store(dst + t);
                continue;
            }

            var ix = Vector512.Create(lo) + lanes;
            var shifted = Avx512F.PermuteVar16x32(source, (Vector512.Create(lo - window) + lanes) & Vector512.Create(15));
            var inside = Vector512.GreaterThanOrEqual(ix, Vector512<int>.Zero) & Vector512.LessThan(ix, limit);
            (shifted.AsInt32() & inside).AsSingle().Store(dst + t);
        }
    }

    // The same for rows of 8 to 15 floats (small feature maps), 8 outputs at a time.
    private static void CopyUnitStrideWindowed8(float* dst, float* row, int ix0, int length, int width)
    {
        var lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        var limit = Vector256.Create(width);
        for (int t = 0; t < length; t += 8)
        {
            t = Math.Min(t, length - 8);
            int lo = ix0 + t;
            int window = Math.Clamp(lo, 0, width - 8);
            var source = Vector256.Load(row + window);
            if (lo == window)
            {
                source.Store(dst + t);
                continue;
            }

            var ix = Vector256.Create(lo) + lanes;
            var shifted = Avx2.PermuteVar8x32(source, (Vector256.Create(lo - window) + lanes) & Vector256.Create(7));
            var inside = Vector256.GreaterThanOrEqual(ix, Vector256<int>.Zero) & Vector256.LessThan(ix, limit);
            (shifted.AsInt32() & inside).AsSingle().Store(dst + t);
        }
    }

    // dst[t] = row[ix0 + 2t] where inside the row, else zero. Rows of 32 or more: 16 outputs at a time from two loads
    // of a 32-float window clamped inside the row, the even offsets picked by one permute and lanes outside the row
    // zeroed, so padding at either end costs no scalar steps.
    private static void CopyStrideTwo(float* dst, float* row, int ix0, int length, int width)
    {
        int t = 0;
        if (width >= 32)
        {
            var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            var limit = Vector512.Create(width);
            for (; t < length && length >= 16; t += 16)
            {
                t = Math.Min(t, length - 16);
                int lo = ix0 + (2 * t);
                int window = Math.Clamp(lo, 0, width - 32);
                var ix = Vector512.Create(lo) + even;
                var picked = Avx512F.PermuteVar16x32x2(
                    Vector512.Load(row + window), (Vector512.Create(lo - window) + even) & Vector512.Create(31), Vector512.Load(row + window + 16));
                var inside = Vector512.GreaterThanOrEqual(ix, Vector512<int>.Zero) & Vector512.LessThan(ix, limit);
                (picked.AsInt32() & inside).AsSingle().Store(dst + t);
            }
        }

        for (; t < length; t++)
        {
            int ix = ix0 + (2 * t);
            dst[t] = (uint)ix < (uint)width ? row[ix] : 0f;
        }
    }

    // The same on AVX2, 8 outputs at a time where their 16-float source window lies inside the row: two loads, the
    // even lanes of each 128-bit half picked by one shuffle and the four pairs put in order by one permute. Outputs
    // whose window touches the padding (the first and last of a row) take scalar steps.
    private static void CopyStrideTwo8(float* dst, float* row, int ix0, int length, int width)
    {
        for (int t = 0; t < length;)
        {
            int ix = ix0 + (2 * t);
            if (ix >= 0 && ix + 16 <= width && t + 8 <= length)
            {
                // Shuffle 0x88: per 128-bit half [a0 a2 b0 b2 | a4 a6 b4 b6]; 64-bit order (0, 2, 1, 3) gives
                // [a0 a2 a4 a6 b0 b2 b4 b6] = row[ix], row[ix + 2], ..., row[ix + 14].
                var pairs = Avx.Shuffle(Vector256.Load(row + ix), Vector256.Load(row + ix + 8), 0x88);
                Avx2.Permute4x64(pairs.AsDouble(), 0xD8).AsSingle().Store(dst + t);
                t += 8;
            }
            else
            {
                dst[t] = (uint)ix < (uint)width ? row[ix] : 0f;
                t++;
            }
        }
    }

    private readonly record struct Run(int OutY, int OutX, int Column, int Length);
}
