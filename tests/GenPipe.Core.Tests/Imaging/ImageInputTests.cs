using GenPipe.Core.Imaging;
using GenPipe.Core.Operators;
using GenPipe.Tensors;
using GenPipe.Testing;
using Shouldly;
using SkiaSharp;
using Xunit;

namespace GenPipe.Core.Tests.Imaging;

/// <summary>Input images read with SkiaSharp (PNG, JPEG), refused clearly when broken, and turned into tensors as diffusers does.</summary>
public sealed class ImageInputTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "genpipe-images-" + Guid.NewGuid().ToString("N"));

    public ImageInputTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_png_reads_back_exactly_and_alpha_is_dropped_not_blended()
    {
        string path = Encode("a.png", SKEncodedImageFormat.Png, (x, y) => new SKColor((byte)(x * 40), (byte)(y * 50), 7, (byte)(x == 0 ? 0 : 255)));

        var image = ImageFiles.ReadRgb(path);

        image.Width.ShouldBe(5);
        image.Height.ShouldBe(3);
        image.GetPixel(2, 1).ShouldBe(new Rgb(80, 50, 7));
        image.GetPixel(0, 2).ShouldBe(new Rgb(0, 100, 7), "a transparent pixel keeps its colour, as PIL's convert(\"RGB\") does");
    }

    [Fact]
    public void A_jpeg_reads_close_to_what_was_encoded()
    {
        string path = Encode("a.jpg", SKEncodedImageFormat.Jpeg, (_, _) => new SKColor(200, 120, 40), quality: 100);

        var image = ImageFiles.ReadRgb(path);

        var pixel = image.GetPixel(2, 1);
        Math.Abs(pixel.R - 200).ShouldBeLessThanOrEqualTo(3);
        Math.Abs(pixel.G - 120).ShouldBeLessThanOrEqualTo(3);
        Math.Abs(pixel.B - 40).ShouldBeLessThanOrEqualTo(3);
    }

    [Fact]
    public void Broken_files_are_refused_naming_the_file()
    {
        string text = Path.Combine(_folder, "notes.png");
        File.WriteAllText(text, "not an image");
        Should.Throw<InvalidDataException>(() => ImageFiles.ReadRgb(text)).Message
            .ShouldBe($"{text}: not an image GenPipe can read (no complete PNG, JPEG, WebP, GIF or BMP header: the data ends early); give a PNG or JPEG file.");

        string png = Encode("cut.png", SKEncodedImageFormat.Png, (x, y) => new SKColor((byte)(x * 13), (byte)(y * 7), (byte)(x * y)), size: 64);
        byte[] bytes = File.ReadAllBytes(png);
        File.WriteAllBytes(png, bytes[..(bytes.Length / 2)]);
        Should.Throw<InvalidDataException>(() => ImageFiles.ReadRgb(png)).Message.ShouldStartWith($"{png}: the image data ");
    }

    [Fact]
    public void The_header_alone_gives_the_size_and_refuses_what_is_not_an_image()
    {
        string png = Encode("square.png", SKEncodedImageFormat.Png, (x, y) => new SKColor((byte)x, (byte)y, 0), size: 64);
        ImageFiles.ReadSize(png).ShouldBe((64, 64));

        // Half a PNG still has its header: the size check passes, only decoding would find the damage.
        byte[] bytes = File.ReadAllBytes(png);
        File.WriteAllBytes(png, bytes[..(bytes.Length / 2)]);
        ImageFiles.ReadSize(png).ShouldBe((64, 64));

        string text = Path.Combine(_folder, "notes.png");
        File.WriteAllText(text, "not an image");
        Should.Throw<InvalidDataException>(() => ImageFiles.ReadSize(text)).Message
            .ShouldBe($"{text}: not an image GenPipe can read (no complete PNG, JPEG, WebP, GIF or BMP header: the data ends early); give a PNG or JPEG file.");
        Should.Throw<FileNotFoundException>(() => ImageFiles.ReadSize(Path.Combine(_folder, "none.png")));
    }

    [Fact]
    public void A_huge_image_is_refused_from_its_header_before_decoding()
    {
        // A valid PNG header claiming 100000 x 100000 pixels and a few bytes of data: refused without decoding them.
        string path = Path.Combine(_folder, "bomb.png");
        using (var stream = File.Create(path))
        {
            stream.Write(PngWriter.Signature);
            byte[] header = [0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0, 8, 2, 0, 0, 0];
            PngChunks.Write(stream, "IHDR", header);
            using var data = new MemoryStream();
            using (var zlib = new System.IO.Compression.ZLibStream(data, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            {
                zlib.Write(new byte[64]);
            }

            PngChunks.Write(stream, "IDAT", data.ToArray());
            PngChunks.Write(stream, "IEND", []);
        }

        Should.Throw<InvalidDataException>(() => ImageFiles.ReadRgb(path)).Message
            .ShouldBe($"{path}: the image is 100000x100000; GenPipe reads images of at most 16384 pixels a side and 64 megapixels. Resize it first.");
    }

    [Fact]
    public async Task Load_image_scales_to_minus_one_one_and_a_mask_to_zero_and_one_as_diffusers_does()
    {
        // Column x has level 0, 127, 128, 255: the image's -1 and 1 ends, and the mask's threshold between 127 and 128.
        byte[] levels = [0, 127, 128, 255];
        string path = Encode("levels.png", SKEncodedImageFormat.Png, (x, _) => new SKColor(levels[x % 4], levels[x % 4], levels[x % 4]), size: 4);
        var op = new LoadImageOperator();

        var image = (Tensor)await op.ExecuteAsync(new FakeOperatorContext(op).WithInput("path", path), CancellationToken.None);
        var mask = (Tensor)await op.ExecuteAsync(new FakeOperatorContext(op).WithInput("path", path).WithInput("mode", "mask"), CancellationToken.None);

        image.GetShape().ShouldBe([1, 3, 4, 4]);
        image.View.Select(0, 0).Select(0, 0).Select(0, 0).ToArray().ShouldBe([-1f, (127f / 255f * 2f) - 1f, (128f / 255f * 2f) - 1f, 1f]);
        mask.GetShape().ShouldBe([1, 1, 4, 4]);
        mask.View.Select(0, 0).Select(0, 0).Select(0, 3).ToArray().ShouldBe([0f, 0f, 1f, 1f]);
    }

    [Fact]
    public async Task Load_image_resizes_to_the_size_asked_for()
    {
        string path = Encode("flat.png", SKEncodedImageFormat.Png, (_, _) => new SKColor(255, 255, 255), size: 10);
        var op = new LoadImageOperator();

        var image = (Tensor)await op.ExecuteAsync(new FakeOperatorContext(op).WithInput("path", path).WithInput("width", 16).WithInput("height", 8), CancellationToken.None);

        image.GetShape().ShouldBe([1, 3, 8, 16]);
        image.View.ToArray().ShouldAllBe(v => v == 1f, "a flat white image stays white when resized");
    }

    [Fact]
    public void An_input_file_path_is_checked_before_the_run_naming_the_full_path_and_the_current_folder()
    {
        var port = new LoadImageOperator().Signature.Inputs.Single(p => p.Name == "path");
        string missing = Path.Combine(_folder, "missing.png");

        port.Problem(missing).ShouldBe(
            $"names no file: {missing} does not exist (relative paths are from the current folder, {Environment.CurrentDirectory}); check the path");
        port.Problem(_folder).ShouldBe($"names a folder, {_folder}; give a file in it");
        port.Problem("").ShouldBe("must name a file to read, got an empty path; give the file's path");
        port.Problem(Encode("there.png", SKEncodedImageFormat.Png, (_, _) => SKColors.Black)).ShouldBeNull();
    }

    [Fact]
    public void Text_chunks_round_trip_as_tEXt_for_latin1_and_iTXt_for_other_text()
    {
        using var stream = new MemoryStream();
        PngWriter.Write(stream, new RgbImage(2, 2), [new("parameters", "a cat, café\nSteps: 20"), new("prompt", "日本の猫")]);

        var png = PngReader.Read(stream.ToArray());

        png.ChunkTypes.ShouldBe(["IHDR", "tEXt", "iTXt", "IDAT", "IEND"]);
        png.Text.ShouldBe([new("parameters", "a cat, café\nSteps: 20"), new("prompt", "日本の猫")]);
    }

    private string Encode(string name, SKEncodedImageFormat format, Func<int, int, SKColor> color, int quality = 100, int size = 0)
    {
        int width = size > 0 ? size : 5, height = size > 0 ? size : 3;
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, color(x, y));
            }
        }

        string path = Path.Combine(_folder, name);
        using var data = bitmap.Encode(format, quality);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }
}
