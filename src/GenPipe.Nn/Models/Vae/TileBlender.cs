using GenPipe.Tensors;

namespace GenPipe.Nn.Models.Vae;

/// <summary>
/// How <see cref="TileBlender"/> cuts an input into tiles and joins their outputs, in the units of each side: input
/// tiles of <see cref="InputTile"/> a side every <see cref="InputStride"/>, outputs blended over <see cref="Blend"/>
/// rows and columns with their upper and left neighbours, of which the first <see cref="Keep"/> rows and columns are
/// kept. <see cref="OutputTile"/> is the largest output tile.
/// </summary>
internal readonly record struct TileLayout(int InputTile, int InputStride, int OutputTile, int Blend, int Keep);

/// <summary>The part of a tile that no other tile owns, as fractions [start, end) of its height and width.</summary>
internal readonly record struct OwnedPart(double RowStart, double RowEnd, double ColumnStart, double ColumnEnd);

/// <summary>
/// Runs a model over overlapping tiles of an image-like input [B, C, H, W] and joins the tiles' outputs with diffusers'
/// <c>AutoencoderKL.tiled_decode</c>/<c>tiled_encode</c> semantics: tiles start every <c>InputStride</c> along each
/// axis (the last ones may be smaller), each output tile is blended linearly with the final (already blended) tile above
/// it over its first rows (<c>blend_v</c>) and then with the final tile to its left over its first columns
/// (<c>blend_h</c>), each over <c>min(above, this, Blend)</c> rows or columns, and its first <c>Keep</c> rows and columns
/// are written to the output.
/// </summary>
/// <remarks>
/// Unlike diffusers, which keeps every tile until all are decoded, only what the next tiles blend with is kept: the last
/// rows of each column's latest tile and the last columns of the tile to the left. So memory is one tile's activations,
/// the output, and strips of <c>Blend</c> rows. Blending goes through the backend (scalar scales and adds per row or
/// column, rounded as PyTorch's <c>a * (1 - t) + b * t</c> with float32 weights).
/// </remarks>
internal sealed class TileBlender
{
    private readonly Module _owner;
    private readonly ActivationBuffer _input;
    private readonly ActivationBuffer _above;
    private readonly ActivationBuffer _left;
    private readonly ActivationBuffer _scratch;

    /// <summary>Takes its memory from <paramref name="owner"/>'s buffers.</summary>
    public TileBlender(Module owner, ActivationBuffer input, ActivationBuffer above, ActivationBuffer left, ActivationBuffer scratch)
    {
        _owner = owner;
        _input = input;
        _above = above;
        _left = left;
        _scratch = scratch;
    }

    /// <summary>The number of tiles along an axis of <paramref name="size"/>: one every <c>stride</c> from 0 while inside.</summary>
    public static int TileCount(int size, int stride) => (size + stride - 1) / stride;

    /// <summary>
    /// Runs <paramref name="forward"/> on each tile of <paramref name="input"/> [B, C, H, W] and writes the joined result
    /// into <paramref name="output"/> [B, C', H', W'], whose sides must be the sums of the kept parts of the tiles.
    /// <paramref name="forward"/>'s result may be changed in place (it is a view over the model's buffers).
    /// </summary>
    public void Run(TensorView input, TensorView output, TileLayout layout, Func<TensorView, TensorView> forward)
    {
        var backend = _owner.BackendForBuffers;
        int batch = input.Dim(0), channels = input.Dim(1), height = input.Dim(2), width = input.Dim(3);
        int outChannels = output.Dim(1);
        int columns = TileCount(width, layout.InputStride);
        var aboveStrips = _above.Get(columns, batch, outChannels, layout.Blend, layout.OutputTile);
        var leftStrip = _left.Get(batch, outChannels, layout.OutputTile, layout.Blend);
        int aboveRows = 0, outRow = 0;
        for (int top = 0; top < height; top += layout.InputStride)
        {
            int tileHeight = Math.Min(layout.InputTile, height - top);
            int leftColumns = 0, outColumn = 0, rowHeight = 0, keptRows = 0;
            for (int j = 0, left = 0; left < width; j++, left += layout.InputStride)
            {
                int tileWidth = Math.Min(layout.InputTile, width - left);
                var tileInput = _input.Get(batch, channels, tileHeight, tileWidth);
                backend.Copy(input.Slice(2, top, tileHeight).Slice(3, left, tileWidth), tileInput);
                var tile = forward(tileInput);
                int h = tile.Dim(2), w = tile.Dim(3);
                var above = aboveStrips.Select(0, j);
                if (top > 0)
                {
                    BlendRows(above.Slice(2, 0, aboveRows).Slice(3, 0, w), tile, Math.Min(aboveRows, h));
                }

                if (left > 0)
                {
                    BlendColumns(leftStrip.Slice(2, 0, h).Slice(3, 0, leftColumns), tile, Math.Min(leftColumns, w));
                }

                // What the tiles below and to the right blend with: this tile's last rows and columns, as blended.
                int keepRows = Math.Min(h, layout.Blend), keepColumns = Math.Min(w, layout.Blend);
                backend.Copy(tile.Slice(2, h - keepRows, keepRows), above.Slice(2, 0, keepRows).Slice(3, 0, w));
                backend.Copy(tile.Slice(3, w - keepColumns, keepColumns), leftStrip.Slice(2, 0, h).Slice(3, 0, keepColumns));
                leftColumns = keepColumns;
                rowHeight = keepRows;

                keptRows = Math.Min(h, layout.Keep);
                int keptColumns = Math.Min(w, layout.Keep);
                RequireInside(output, outRow + keptRows, outColumn + keptColumns);
                backend.Copy(
                    tile.Slice(2, 0, keptRows).Slice(3, 0, keptColumns),
                    output.Slice(2, outRow, keptRows).Slice(3, outColumn, keptColumns));
                outColumn += keptColumns;
            }

            RequireFilled(outColumn, output.Dim(3), "columns");
            aboveRows = rowHeight;
            outRow += keptRows;
        }

        RequireFilled(outRow, output.Dim(2), "rows");
    }

    /// <summary>
    /// Copies each tile of <paramref name="input"/> (the tiles <see cref="Run"/> takes, in its order) and hands it to
    /// <paramref name="visit"/> with the part of the tile it owns, as fractions of its height and width: from the
    /// middle of the overlap with the tile before to the middle of the overlap with the tile after (the image's edges at
    /// the first and last tiles), so that the owned parts cover the image once and keep away from the tiles' inner edges.
    /// Joins nothing.
    /// </summary>
    public void Visit(TensorView input, TileLayout layout, Action<TensorView, OwnedPart> visit)
    {
        var backend = _owner.BackendForBuffers;
        int batch = input.Dim(0), channels = input.Dim(1), height = input.Dim(2), width = input.Dim(3);
        for (int top = 0; top < height; top += layout.InputStride)
        {
            int tileHeight = Math.Min(layout.InputTile, height - top);
            var (rowStart, rowEnd) = Owned(top, tileHeight, height, layout);
            for (int left = 0; left < width; left += layout.InputStride)
            {
                int tileWidth = Math.Min(layout.InputTile, width - left);
                var (columnStart, columnEnd) = Owned(left, tileWidth, width, layout);
                var tileInput = _input.Get(batch, channels, tileHeight, tileWidth);
                backend.Copy(input.Slice(2, top, tileHeight).Slice(3, left, tileWidth), tileInput);
                visit(tileInput, new OwnedPart(rowStart, rowEnd, columnStart, columnEnd));
            }
        }
    }

    // The owned span of a tile starting at `start` with `size` along an axis of `total`, as fractions of `size`.
    private static (double Start, double End) Owned(int start, int size, int total, TileLayout layout)
    {
        int halfOverlap = (layout.InputTile - layout.InputStride) / 2;
        int from = start == 0 ? 0 : Math.Min(halfOverlap, size);
        int to = start + layout.InputStride >= total ? size : Math.Min(size, layout.InputStride + halfOverlap);
        return ((double)from / size, (double)Math.Max(from, to) / size);
    }

    // blend_v: b[:, :, y] = a[:, :, -extent + y] * (1 - y / extent) + b[:, :, y] * (y / extent) for y < extent.
    private void BlendRows(TensorView above, TensorView tile, int extent)
    {
        var backend = _owner.BackendForBuffers;
        int offset = above.Dim(2) - extent;
        var scratch = _scratch.Get(tile.Dim(0), tile.Dim(1), 1, tile.Dim(3));
        for (int y = 0; y < extent; y++)
        {
            var row = tile.Slice(2, y, 1);
            Mix(backend, above.Slice(2, offset + y, 1), row, scratch, y, extent);
        }
    }

    // blend_h: the same along columns.
    private void BlendColumns(TensorView left, TensorView tile, int extent)
    {
        var backend = _owner.BackendForBuffers;
        int offset = left.Dim(3) - extent;
        var scratch = _scratch.Get(tile.Dim(0), tile.Dim(1), tile.Dim(2), 1);
        for (int x = 0; x < extent; x++)
        {
            var column = tile.Slice(3, x, 1);
            Mix(backend, left.Slice(3, offset + x, 1), column, scratch, x, extent);
        }
    }

    // b = a * (1 - t) + b * t with t = index / extent; the weights are rounded to float32 as PyTorch rounds a Python
    // float multiplying a float32 tensor, and each product and the sum once.
    private static void Mix(Tensors.Backends.ITensorBackend backend, TensorView a, TensorView b, TensorView scratch, int index, int extent)
    {
        double t = (double)index / extent;
        backend.Scale(a, (float)(1 - t), scratch);
        backend.Scale(b, (float)t, b);
        backend.Add(b, scratch, b);
    }

    private static void RequireInside(TensorView output, int rows, int columns)
    {
        if (rows > output.Dim(2) || columns > output.Dim(3))
        {
            throw new InvalidOperationException(
                $"Tiles reach {rows}x{columns} of an output {output.Shape}; the tile layout does not fit the input (tile sizes must keep stride and kept part in step).");
        }
    }

    private static void RequireFilled(int filled, int size, string what)
    {
        if (filled != size)
        {
            throw new InvalidOperationException(
                $"Tiles filled {filled} of the output's {size} {what}; the tile layout does not fit the input (tile sizes must keep stride and kept part in step).");
        }
    }
}
