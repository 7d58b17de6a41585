using GenPipe.Nn.Normalization;
using GenPipe.Tensors;

namespace GenPipe.Nn.Models.Vae;

// Tiled and sliced encoding and decoding, as diffusers' AutoencoderKL.enable_tiling() / enable_slicing().
public sealed partial class AutoencoderKL
{
    /// <summary>The fraction of a tile that overlaps its neighbour (diffusers' <c>tile_overlap_factor</c>).</summary>
    public const double TileOverlapFactor = 0.25;

    /// <summary>Image pixels per latent along each side: 2^(levels-1) (8 for Stable Diffusion's VAE).</summary>
    public int PixelsPerLatent => 1 << (Config.BlockOutChannels.Count - 1);

    /// <summary>
    /// What <see cref="TileSize"/> must be a multiple of: <c>4 x</c> <see cref="PixelsPerLatent"/>, so that a tile's
    /// latent side is a whole number divisible by 4 and the overlap (a quarter of a tile) is a whole number of latents.
    /// </summary>
    public int TileSizeMultiple => 4 * PixelsPerLatent;

    /// <summary>
    /// The tile side diffusers uses, <c>tile_sample_min_size = sample_size</c> from the config, rounded down to a
    /// multiple of <see cref="TileSizeMultiple"/> (and at least one multiple). 512 for Stable Diffusion 1.x.
    /// </summary>
    public int DefaultTileSize => Math.Max(TileSizeMultiple, Config.SampleSize / TileSizeMultiple * TileSizeMultiple);

    /// <summary>
    /// The tile side in image pixels (diffusers' <c>tile_sample_min_size</c>), or null (the default) for no tiling. When
    /// set, <see cref="Encode"/> tiles images larger than a tile on either side and <see cref="Decode"/> latents larger
    /// than <see cref="LatentTileSize"/>: tiles overlap by a quarter (<see cref="TileOverlapFactor"/>), are run one at a
    /// time and blended linearly over the overlap, so activation memory is one tile's whatever the image size. The
    /// result is close to, not equal to, the untiled one (group norms and the mid-block attention see one tile);
    /// inputs that fit one tile take the untiled path and are exact.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is not a positive multiple of <see cref="TileSizeMultiple"/>.</exception>
    public int? TileSize
    {
        get => _tileSize;
        set
        {
            if (value is int size && (size <= 0 || size % TileSizeMultiple != 0))
            {
                throw new ArgumentOutOfRangeException(
                    nameof(value),
                    size,
                    $"The VAE tile size must be a positive multiple of {TileSizeMultiple} pixels (4 x {PixelsPerLatent} pixels per latent, so the quarter-tile overlap is whole latents); {size} is not. {DefaultTileSize} is this VAE's default.");
            }

            _tileSize = value;
        }
    }

    /// <summary>The tile side in latents (diffusers' <c>tile_latent_min_size</c>), or null without tiling.</summary>
    public int? LatentTileSize => _tileSize / PixelsPerLatent;

    /// <summary>
    /// Whether a batch of more than one is encoded and decoded one sample at a time (diffusers' <c>use_slicing</c>), so
    /// that activation memory is one sample's. The result is the same as the batched call's.
    /// </summary>
    public bool Slicing { get; set; }

    /// <summary>
    /// Whether tiles normalize by the whole image's group-norm statistics instead of their own (false, diffusers' tiling,
    /// by default). The tiles are then run once more per group norm, up to it, to gather its statistics over the image
    /// (<see cref="SharedGroupNormStatistics"/>): about half a tiled pass per group norm (14 in the fixture VAE's encoder,
    /// 30 in SD's decoder), the memory still one tile's. What remains different from untiled is what a tile's edges
    /// change and the mid-block attention, which sees one tile.
    /// </summary>
    public bool ImageNormStatistics { get; set; }

    /// <summary>Turns tiling on with <paramref name="tileSize"/> pixels a side, or <see cref="DefaultTileSize"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is not a positive multiple of <see cref="TileSizeMultiple"/>.</exception>
    public void EnableTiling(int? tileSize = null) => TileSize = tileSize ?? DefaultTileSize;

    /// <summary>Whether <see cref="Encode"/> would tile an image of <paramref name="height"/> x <paramref name="width"/> pixels.</summary>
    public bool TilesImage(int height, int width) => _tileSize is int tile && (height > tile || width > tile);

    /// <summary>Whether <see cref="Decode"/> would tile latents of <paramref name="height"/> x <paramref name="width"/>.</summary>
    public bool TilesLatents(int height, int width) => LatentTileSize is int tile && (height > tile || width > tile);

    // Encoding: image tiles of the tile size, every three quarters of it, to latent tiles blended over a quarter.
    private TileLayout EncodeLayout
    {
        get
        {
            int tile = _tileSize!.Value, latent = tile / PixelsPerLatent;
            return new TileLayout(tile, tile - (tile / 4), latent, latent / 4, latent - (latent / 4));
        }
    }

    // Decoding: latent tiles, every three quarters of a tile, to image tiles blended over a quarter.
    private TileLayout DecodeLayout
    {
        get
        {
            int tile = _tileSize!.Value, latent = tile / PixelsPerLatent;
            return new TileLayout(latent, latent - (latent / 4), tile, tile / 4, tile - (tile / 4));
        }
    }

    private bool SlicesBatch(int batch) => Slicing && batch > 1;

    // The encoder's output side for an input side: each downsampler pads one row and column, then halves (floor).
    private int EncodedSize(int size)
    {
        for (int level = 1; level < Config.BlockOutChannels.Count; level++)
        {
            size /= 2;
        }

        return size;
    }

    // Tiles start every three quarters of a tile, a multiple of the pixels per latent; sides that are not one too would
    // leave a last tile the encoder cannot halve as it halves the whole image.
    private void RequireWholeLatents(TensorView image)
    {
        if (image.Dim(2) % PixelsPerLatent != 0 || image.Dim(3) % PixelsPerLatent != 0)
        {
            throw new ArgumentException(
                $"Tiled VAE encoding needs image sides that are multiples of {PixelsPerLatent} pixels (the pixels per latent); got {image.Dim(2)}x{image.Dim(3)}. Resize the image, or turn tiling off.",
                nameof(image));
        }
    }

    // Passes that record each group norm's statistics over the image's tiles, in call order, then the joined pass.
    private void RunWithImageStatistics(TensorView input, TensorView output, TileLayout layout, Func<TensorView, TensorView> whole)
    {
        var shared = new SharedGroupNormStatistics();
        var norms = new List<GroupNorm>();
        CollectGroupNorms(this, norms);
        foreach (var norm in norms)
        {
            norm.SharedStatistics = shared;
        }

        try
        {
            while (true)
            {
                shared.StartRecording();
                bool stopped = false;
                _tiles.Visit(input, layout, (tile, owned) =>
                {
                    shared.BeginTile(owned);
                    try
                    {
                        whole(tile);
                    }
                    catch (TilePassStop)
                    {
                        stopped = true;
                    }
                });
                if (!stopped)
                {
                    break;
                }

                shared.FinishRecording();
            }

            shared.StopRecording();
            _tiles.Run(input, output, layout, tile =>
            {
                shared.BeginTile(new OwnedPart(0, 1, 0, 1));
                return whole(tile);
            });
        }
        finally
        {
            foreach (var norm in norms)
            {
                norm.SharedStatistics = null;
            }
        }
    }

    private static void CollectGroupNorms(Module module, List<GroupNorm> norms)
    {
        if (module is GroupNorm norm)
        {
            norms.Add(norm);
        }

        foreach (var child in module.Children)
        {
            CollectGroupNorms(child.Value, norms);
        }
    }

    // Every sample at once or (slicing) one at a time, each whole or (with a layout) tiled, into output.
    private void RunBatch(TensorView input, TensorView output, TileLayout? tiles, Func<TensorView, TensorView> whole)
    {
        if (!SlicesBatch(input.Dim(0)))
        {
            RunOne(input, output, tiles, whole);
            return;
        }

        for (int b = 0; b < input.Dim(0); b++)
        {
            RunOne(input.Slice(0, b, 1), output.Slice(0, b, 1), tiles, whole);
        }
    }

    private void RunOne(TensorView input, TensorView output, TileLayout? tiles, Func<TensorView, TensorView> whole)
    {
        if (tiles is not TileLayout layout)
        {
            Backend.Copy(whole(input), output);
        }
        else if (ImageNormStatistics)
        {
            RunWithImageStatistics(input, output, layout, whole);
        }
        else
        {
            _tiles.Run(input, output, layout, whole);
        }
    }
}
