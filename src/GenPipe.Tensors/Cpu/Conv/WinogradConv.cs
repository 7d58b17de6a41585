using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GenPipe.Tensors.Cpu.Gemm;
using GenPipe.Tensors.Threading;

namespace GenPipe.Tensors.Cpu.Conv;

/// <summary>
/// A 3x3, stride-1, padding-1 convolution by Winograd's F(2x2, 3x3), in chunks of about 128 output tiles (2x2 each)
/// that the workers take one at a time: the chunk's input band is copied channel-last with its zero border, each 4x4
/// input patch becomes V = Bᵀ d B (8 channels per vector), 16 products M_ξ [tiles, Cout] = V_ξ [tiles, Cin] · U_ξ run
/// on the GEMM kernels, and Y = Aᵀ M A gives each tile's 2x2 outputs, plus bias and residual, written to NCHW.
/// </summary>
internal sealed unsafe class WinogradConv : IParallelWork
{
    /// <summary>Images with fewer output tiles than this run the direct path: at 8x8 (16 tiles) the two ran even on Zen 3
    /// at 1280 channels, at 16x16 (64 tiles) Winograd was 1.4-1.6x faster at 1280 and 2560 input channels and even at
    /// 320-640.</summary>
    internal const int MinTiles = 64;

    private const int ChunkTiles = 128;
    private const int V8 = 8;

    [ThreadStatic]
    private static WinogradConv? t_job;

    [ThreadStatic]
    private static float[]? t_scratch;

    private WinogradWeights _weights = null!;
    private float* _input;
    private nint _inputImageStride;
    private nint _inputChannelStride;
    private float* _output;
    private nint _outputImageStride;
    private nint _outputChannelStride;
    private float* _bias;
    private float* _residual;
    private nint _residualImageStride;
    private nint _residualChannelStride;
    private int _height;
    private int _width;
    private int _rowsPerChunk;
    private int _chunksPerImage;

    /// <summary>
    /// Whether images of this size take the Winograd path. Decided by one image's size, never the batch's: the two paths
    /// round differently, and a row's numbers must not depend on what it is batched with (classifier-free guidance
    /// batches, VAE slicing).
    /// </summary>
    public static bool Suits(int height, int width) =>
        height % 2 == 0 && width % 2 == 0 && (height / 2) * (width / 2) >= MinTiles;

    /// <summary>
    /// Runs the convolution. The input and output have dense H x W planes; the residual (or null) has the output's
    /// shape with dense planes and its own image and channel strides; the bias (or null) has Cout values.
    /// </summary>
    public static void Run(
        WinogradWeights weights, float* input, nint inputImageStride, nint inputChannelStride, int images, int height, int width,
        float* output, nint outputImageStride, nint outputChannelStride, float* bias, float* residual, nint residualImageStride,
        nint residualChannelStride, CpuWorkers workers)
    {
        var job = t_job ??= new WinogradConv();
        int tileCols = width / 2, tileRows = height / 2;
        job._weights = weights;
        job._input = input;
        job._inputImageStride = inputImageStride;
        job._inputChannelStride = inputChannelStride;
        job._output = output;
        job._outputImageStride = outputImageStride;
        job._outputChannelStride = outputChannelStride;
        job._bias = bias;
        job._residual = residual;
        job._residualImageStride = residualImageStride;
        job._residualChannelStride = residualChannelStride;
        job._height = height;
        job._width = width;
        job._rowsPerChunk = Math.Clamp(ChunkTiles / tileCols, 1, tileRows);
        job._chunksPerImage = (tileRows + job._rowsPerChunk - 1) / job._rowsPerChunk;
        try
        {
            workers.For(images * job._chunksPerImage, job);
        }
        finally
        {
            job._weights = null!;
        }
    }

    public void Execute(int index)
    {
        int image = index / _chunksPerImage;
        int firstRow = (index % _chunksPerImage) * _rowsPerChunk;
        int rows = Math.Min(_rowsPerChunk, (_height / 2) - firstRow);
        int tileCols = _width / 2, tiles = rows * tileCols;
        int cin = _weights.InChannels, cout = _weights.OutChannels;
        int bandWidth = _width + 2, bandRows = (2 * rows) + 2;
        long bandSize = (long)bandRows * bandWidth * cin, vSize = 16L * tiles * cin, mSize = 16L * tiles * cout;
        long need = bandSize + vSize + mSize + 32;
        var scratch = t_scratch;
        if (scratch is null || scratch.LongLength < need)
        {
            scratch = t_scratch = GC.AllocateUninitializedArray<float>(checked((int)need), pinned: true);
        }

        fixed (float* pinned = scratch)
        {
            float* band = (float*)(((nint)pinned + 31) & ~(nint)31);
            float* v = band + bandSize;
            float* m = v + vSize;
            FillBand(band, _input + (image * _inputImageStride), (2 * firstRow) - 1, bandRows, bandWidth, cin);
            TransformInput(band, bandWidth, cin, rows, tileCols, v);
            var gemmScratch = GemmScratch.Current;
            var none = default(EpilogueTerms);
            none.Alpha = 1f;
            for (int xi = 0; xi < 16; xi++)
            {
                var packed = (CpuPackedMatrix)_weights.Matrices[xi];
                var a = new StridedA(v + ((long)xi * tiles * cin), cin, 1, tiles);
                var b = new PrepackedB(packed.Data, packed.PaddedN);
                GemmDriver.Run(ref a, ref b, cin, 0, tiles, 0, cout, m + ((long)xi * tiles * cout), cout, none, gemmScratch);
                packed.KeepAlive();
            }

            TransformOutput(m, tiles, cout, image, firstRow, tileCols);
        }
    }

    /// <summary>Input rows [y0, y0 + rows) (zero outside the image) as [row][1 + x][channel], with a zero column each side.</summary>
    private void FillBand(float* band, float* image, int y0, int rows, int bandWidth, int channels)
    {
        new Span<float>(band, rows * bandWidth * channels).Clear();
        for (int r = 0; r < rows; r++)
        {
            int y = y0 + r;
            if (y < 0 || y >= _height)
            {
                continue;
            }

            float* target = band + ((((long)r * bandWidth) + 1) * channels);
            for (int c = 0; c < channels; c++)
            {
                float* source = image + (c * _inputChannelStride) + ((nint)y * _width);
                float* t = target + c;
                for (int x = 0; x < _width; x++)
                {
                    t[(nint)x * channels] = source[x];
                }
            }
        }
    }

    /// <summary>V_ξ[tile][c] = (Bᵀ d B)[ξ] for each tile's 4x4 patch d, 8 channels per vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformInput(float* band, int bandWidth, int channels, int rows, int tileCols, float* v)
    {
        int tiles = rows * tileCols;
        nint rowStride = (nint)bandWidth * channels;
        nint xiStride = (nint)tiles * channels;
        int vectorEnd = channels / V8 * V8;
        for (int tr = 0; tr < rows; tr++)
        {
            for (int tc = 0; tc < tileCols; tc++)
            {
                float* patch = band + (2 * tr * rowStride) + ((nint)2 * tc * channels);
                float* target = v + ((((nint)tr * tileCols) + tc) * channels);
                int c = 0;
                for (; c < vectorEnd; c += V8)
                {
                    InputTile(patch + c, rowStride, channels, target + c, xiStride);
                }

                for (; c < channels; c++)
                {
                    InputTileScalar(patch + c, rowStride, channels, target + c, xiStride);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputTile(float* p, nint rowStride, nint col, float* target, nint xiStride)
    {
        // Bᵀ d over rows, then · B over columns; Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
        Span<Vector256<float>> t = stackalloc Vector256<float>[16];
        for (int j = 0; j < 4; j++)
        {
            var d0 = Vector256.Load(p + (j * col));
            var d1 = Vector256.Load(p + rowStride + (j * col));
            var d2 = Vector256.Load(p + (2 * rowStride) + (j * col));
            var d3 = Vector256.Load(p + (3 * rowStride) + (j * col));
            t[j] = d0 - d2;
            t[4 + j] = d1 + d2;
            t[8 + j] = d2 - d1;
            t[12 + j] = d1 - d3;
        }

        for (int i = 0; i < 4; i++)
        {
            var r0 = t[4 * i];
            var r1 = t[(4 * i) + 1];
            var r2 = t[(4 * i) + 2];
            var r3 = t[(4 * i) + 3];
            (r0 - r2).Store(target + ((4 * i) * xiStride));
            (r1 + r2).Store(target + (((4 * i) + 1) * xiStride));
            (r2 - r1).Store(target + (((4 * i) + 2) * xiStride));
            (r1 - r3).Store(target + (((4 * i) + 3) * xiStride));
        }
    }

    private static void InputTileScalar(float* p, nint rowStride, nint col, float* target, nint xiStride)
    {
        Span<float> t = stackalloc float[16];
        for (int j = 0; j < 4; j++)
        {
            float d0 = p[j * col], d1 = p[rowStride + (j * col)], d2 = p[(2 * rowStride) + (j * col)], d3 = p[(3 * rowStride) + (j * col)];
            t[j] = d0 - d2;
            t[4 + j] = d1 + d2;
            t[8 + j] = d2 - d1;
            t[12 + j] = d1 - d3;
        }

        for (int i = 0; i < 4; i++)
        {
            float r0 = t[4 * i], r1 = t[(4 * i) + 1], r2 = t[(4 * i) + 2], r3 = t[(4 * i) + 3];
            target[(4 * i) * xiStride] = r0 - r2;
            target[((4 * i) + 1) * xiStride] = r1 + r2;
            target[((4 * i) + 2) * xiStride] = r2 - r1;
            target[((4 * i) + 3) * xiStride] = r1 - r3;
        }
    }

    /// <summary>Each tile's 2x2 outputs Aᵀ M A (Aᵀ = [1 1 1 0; 0 1 -1 -1]) plus bias and residual, into NCHW.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void TransformOutput(float* m, int tiles, int channels, int image, int firstRow, int tileCols)
    {
        nint xiStride = (nint)tiles * channels;
        float* output = _output + (image * _outputImageStride);
        float* residual = _residual == null ? null : _residual + (image * _residualImageStride);
        Span<float> y = stackalloc float[4 * V8];
        for (int t = 0; t < tiles; t++)
        {
            int oy = 2 * (firstRow + (t / tileCols)), ox = 2 * (t % tileCols);
            nint pixel = ((nint)oy * _width) + ox;
            float* source = m + ((nint)t * channels);
            for (int c0 = 0; c0 < channels; c0 += V8)
            {
                int count = Math.Min(V8, channels - c0);
                if (count == V8)
                {
                    OutputTile(source + c0, xiStride, _bias == null ? Vector256<float>.Zero : Vector256.Load(_bias + c0), y);
                }
                else
                {
                    OutputTileScalar(source + c0, xiStride, count, y);
                }

                for (int k = 0; k < count; k++)
                {
                    int c = c0 + k;
                    float bias = _bias != null && count < V8 ? _bias[c] : 0f;
                    float* o = output + (c * _outputChannelStride) + pixel;
                    float y00 = y[k] + bias, y01 = y[V8 + k] + bias, y10 = y[(2 * V8) + k] + bias, y11 = y[(3 * V8) + k] + bias;
                    if (residual != null)
                    {
                        float* r = residual + (c * _residualChannelStride) + pixel;
                        y00 += r[0];
                        y01 += r[1];
                        y10 += r[_width];
                        y11 += r[_width + 1];
                    }

                    o[0] = y00;
                    o[1] = y01;
                    o[_width] = y10;
                    o[_width + 1] = y11;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputTile(float* m, nint xiStride, Vector256<float> bias, Span<float> y)
    {
        // s_i(j) over the rows i of M (Aᵀ M), then the same over columns.
        Span<Vector256<float>> s = stackalloc Vector256<float>[8];
        for (int j = 0; j < 4; j++)
        {
            var m0 = Vector256.Load(m + (j * xiStride));
            var m1 = Vector256.Load(m + ((4 + j) * xiStride));
            var m2 = Vector256.Load(m + ((8 + j) * xiStride));
            var m3 = Vector256.Load(m + ((12 + j) * xiStride));
            s[j] = m0 + m1 + m2;
            s[4 + j] = m1 - m2 - m3;
        }

        fixed (float* target = y)
        {
            (s[0] + s[1] + s[2] + bias).Store(target);
            (s[1] - s[2] - s[3] + bias).Store(target + V8);
            (s[4] + s[5] + s[6] + bias).Store(target + (2 * V8));
            (s[5] - s[6] - s[7] + bias).Store(target + (3 * V8));
        }
    }

    private static void OutputTileScalar(float* m, nint xiStride, int count, Span<float> y)
    {
        Span<float> s = stackalloc float[8];
        for (int k = 0; k < count; k++)
        {
            for (int j = 0; j < 4; j++)
            {
                float m0 = m[(j * xiStride) + k], m1 = m[((4 + j) * xiStride) + k], m2 = m[((8 + j) * xiStride) + k], m3 = m[((12 + j) * xiStride) + k];
                s[j] = m0 + m1 + m2;
                s[4 + j] = m1 - m2 - m3;
            }

            y[k] = s[0] + s[1] + s[2];
            y[V8 + k] = s[1] - s[2] - s[3];
            y[(2 * V8) + k] = s[4] + s[5] + s[6];
            y[(3 * V8) + k] = s[5] - s[6] - s[7];
        }
    }
}
