using SkiaSharp;

namespace GenPipe.Core.Imaging;

/// <summary>
/// Reads input images (PNG, JPEG, WebP, BMP, GIF's first frame) with SkiaSharp, into 8-bit RGB. Alpha is dropped, not
/// blended, as PIL's <c>convert("RGB")</c> does, so an image reads as diffusers' pipelines read it. The size is checked
/// from the header before any pixel is decoded, so a small file claiming a huge image is refused cheaply.
/// </summary>
public static class ImageFiles
{
    /// <summary>The largest width or height accepted.</summary>
    public const int MaxSide = 16384;

    /// <summary>The most pixels accepted (64 megapixels, 192 MiB as RGB).</summary>
    public const long MaxPixels = 64L << 20;

    /// <summary>
    /// Checks from its header alone that <paramref name="path"/> is an image GenPipe reads, of a size it accepts, and
    /// returns that size. No pixel is decoded, so it is cheap enough to run when a pipeline is validated.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not an image SkiaSharp decodes, or one too large; the message names the file.</exception>
    public static (int Width, int Height) ReadSize(string path)
    {
        using var stream = OpenFile(path);
        using var codec = OpenCodec(path, stream);
        return (codec.Info.Width, codec.Info.Height);
    }

    /// <summary>Reads <paramref name="path"/> as RGB.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not an image SkiaSharp decodes, a damaged one, or one too large; the message names the file.</exception>
    public static RgbImage ReadRgb(string path)
    {
        using var stream = OpenFile(path);
        using var codec = OpenCodec(path, stream);
        var size = codec.Info;
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var decoded = codec.GetPixels(info, bitmap.GetPixels());
        if (decoded is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            throw new InvalidDataException($"{path}: the image data is damaged ({Describe(decoded)}); export it again.");
        }

        if (decoded == SKCodecResult.IncompleteInput)
        {
            throw new InvalidDataException($"{path}: the image data ends early (the file is truncated); export or download it again.");
        }

        var rgba = bitmap.GetPixelSpan();
        var pixels = new byte[size.Width * size.Height * 3];
        for (int i = 0, o = 0; o < pixels.Length; i += 4, o += 3)
        {
            pixels[o] = rgba[i];
            pixels[o + 1] = rgba[i + 1];
            pixels[o + 2] = rgba[i + 2];
        }

        return new RgbImage(size.Width, size.Height, pixels);
    }

    private static FileStream OpenFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such image file.", path);
        }

        return File.OpenRead(path);
    }

    // The codec of the file's header, once its size is known to be one GenPipe accepts.
    private static SKCodec OpenCodec(string path, Stream stream)
    {
        var codec = SKCodec.Create(stream, out var result)
            ?? throw new InvalidDataException(
                $"{path}: not an image GenPipe can read (no complete PNG, JPEG, WebP, GIF or BMP header: {Describe(result)}); give a PNG or JPEG file.");
        var size = codec.Info;
        if (size.Width < 1 || size.Height < 1 || size.Width > MaxSide || size.Height > MaxSide || (long)size.Width * size.Height > MaxPixels)
        {
            codec.Dispose();
            throw new InvalidDataException(
                $"{path}: the image is {size.Width}x{size.Height}; GenPipe reads images of at most {MaxSide} pixels a side and {MaxPixels >> 20} megapixels. Resize it first.");
        }

        return codec;
    }

    /// <summary>
    /// <paramref name="image"/> resized to <paramref name="width"/> x <paramref name="height"/> with a Catmull-Rom cubic
    /// filter, or the image itself when the size is already right. (diffusers resizes with PIL's Lanczos, so resized
    /// pixels differ from its by a few levels; images given at the pipeline's size are read exactly.)
    /// </summary>
    public static RgbImage Resize(RgbImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (image.Width == width && image.Height == height)
        {
            return image;
        }

        using var source = ToBitmap(image);
        using var target = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        if (!source.ScalePixels(target, new SKSamplingOptions(SKCubicResampler.CatmullRom)))
        {
            throw new InvalidOperationException($"Resizing a {image.Width}x{image.Height} image to {width}x{height} failed.");
        }

        var rgba = target.GetPixelSpan();
        var pixels = new byte[width * height * 3];
        for (int i = 0, o = 0; o < pixels.Length; i += 4, o += 3)
        {
            pixels[o] = rgba[i];
            pixels[o + 1] = rgba[i + 1];
            pixels[o + 2] = rgba[i + 2];
        }

        return new RgbImage(width, height, pixels);
    }

    private static SKBitmap ToBitmap(RgbImage image)
    {
        var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var rgba = bitmap.GetPixelSpan();
        for (int i = 0, o = 0; i < image.Pixels.Length; i += 3, o += 4)
        {
            rgba[o] = image.Pixels[i];
            rgba[o + 1] = image.Pixels[i + 1];
            rgba[o + 2] = image.Pixels[i + 2];
            rgba[o + 3] = 255;
        }

        return bitmap;
    }

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.Unimplemented => "a format or variant SkiaSharp does not decode",
        SKCodecResult.InvalidInput or SKCodecResult.CouldNotRewind => "the bytes are not a valid image",
        SKCodecResult.IncompleteInput => "the data ends early",
        _ => result.ToString(),
    };
}
