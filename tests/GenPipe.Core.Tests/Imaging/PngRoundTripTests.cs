using GenPipe.Core.Imaging;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests.Imaging;

public sealed class PngRoundTripTests
{
    public static TheoryData<int, int> Sizes => new() { { 1, 1 }, { 3, 5 }, { 7, 2 }, { 1, 9 }, { 513, 7 }, { 64, 64 } };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void RgbNoiseDecodesToTheSamePixels(int width, int height)
    {
        var image = new RgbImage(width, height);
        new Random(width * 1000 + height).NextBytes(image.Pixels);

        var decoded = PngReader.Read(Encode(image));

        decoded.Width.ShouldBe(width);
        decoded.Height.ShouldBe(height);
        decoded.Channels.ShouldBe(3);
        decoded.ChunkTypes.ShouldBe(["IHDR", "IDAT", "IEND"]);
        decoded.Pixels.ShouldBe(image.Pixels);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void SmoothImagesRoundTripAndCompress(int width, int height)
    {
        // Gradients are where Sub, Up, Average and Paeth win over None.
        var image = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image.SetPixel(x, y, new Rgb((byte)(x * 3), (byte)(y * 5), (byte)(x + y)));
            }
        }

        byte[] png = Encode(image);

        PngReader.Read(png).Pixels.ShouldBe(image.Pixels);
        if (width * height >= 4096)
        {
            png.Length.ShouldBeLessThan(image.Pixels.Length / 10);
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void GrayRoundTrips(int width, int height)
    {
        var pixels = new byte[width * height];
        new Random(width + height).NextBytes(pixels);
        using var stream = new MemoryStream();
        PngWriter.WriteGray(stream, width, height, pixels);

        var decoded = PngReader.Read(stream.ToArray());

        decoded.Channels.ShouldBe(1);
        decoded.Pixels.ShouldBe(pixels);
        var rgb = decoded.ToRgb();
        rgb.GetPixel(width - 1, height - 1).ShouldBe(Rgb.Gray(pixels[^1]));
    }

    [Fact]
    public void FileHasTheSignatureTheHeaderAndAnIendWithItsKnownCrc()
    {
        var image = new RgbImage(1, 1);
        image.SetPixel(0, 0, new Rgb(10, 20, 30));
        byte[] png = Encode(image);

        png[..8].ShouldBe(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
        // IHDR: length 13, type, width 1, height 1, depth 8, colour type 2, then its CRC (zlib.crc32 gives 0x907753de).
        png[8..33].ShouldBe(new byte[]
        {
            0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xDE,
        });
        png[^12..].ShouldBe(new byte[] { 0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82 });
    }

    [Fact]
    public void GrayHeaderCarriesColourTypeZeroAndItsCrc()
    {
        using var stream = new MemoryStream();
        PngWriter.WriteGray(stream, 513, 7, new byte[513 * 7]);
        byte[] png = stream.ToArray();

        png[16..33].ShouldBe(new byte[] { 0, 0, 2, 1, 0, 0, 0, 7, 8, 0, 0, 0, 0, 0xB4, 0x4B, 0xC1, 0x89 });
    }

    [Fact]
    public void Crc32MatchesTheStandardCheckValue() =>
        Crc32.Compute("123456789"u8).ShouldBe(0xCBF43926u);

    [Fact]
    public void ReaderUndoesAllFiveFilterTypes()
    {
        const int width = 6, height = 10, bpp = 3;
        var pixels = new byte[width * height * bpp];
        new Random(5).NextBytes(pixels);
        byte[] png = HandFilteredPng(width, height, pixels, y => (byte)(y % 5));

        PngReader.Read(png).Pixels.ShouldBe(pixels);
    }

    [Fact]
    public void CorruptCrcIsRejectedWithTheChunkNamed()
    {
        byte[] png = Encode(new RgbImage(4, 4));
        png[30] ^= 0x01; // inside the IHDR CRC

        var error = Should.Throw<InvalidDataException>(() => PngReader.Read(png));
        error.Message.ShouldContain("IHDR");
        error.Message.ShouldContain("CRC");
    }

    [Fact]
    public void CorruptPixelDataIsRejected()
    {
        byte[] png = Encode(new RgbImage(4, 4));
        png[45] ^= 0xFF; // inside IDAT: its CRC no longer matches

        Should.Throw<InvalidDataException>(() => PngReader.Read(png)).Message.ShouldContain("IDAT");
    }

    [Fact]
    public void MissingIendIsRejected()
    {
        byte[] png = Encode(new RgbImage(2, 2));

        Should.Throw<InvalidDataException>(() => PngReader.Read(png.AsSpan(0, png.Length - 12)))
            .Message.ShouldContain("IEND");
    }

    [Fact]
    public void NonPngIsRejected() =>
        Should.Throw<InvalidDataException>(() => PngReader.Read("GIF89a..."u8)).Message.ShouldContain("signature");

    private static byte[] Encode(RgbImage image)
    {
        using var stream = new MemoryStream();
        PngWriter.Write(stream, image);
        return stream.ToArray();
    }

    /// <summary>A PNG whose rows use the filter types the caller picks, to test decoding independently of the writer's choice.</summary>
    private static byte[] HandFilteredPng(int width, int height, byte[] pixels, Func<int, byte> filterOfRow)
    {
        int stride = width * 3;
        using var raw = new MemoryStream();
        var previous = new byte[stride];
        var filtered = new byte[stride];
        for (int y = 0; y < height; y++)
        {
            var row = pixels.AsSpan(y * stride, stride);
            byte type = filterOfRow(y);
            PngFilter.Apply(type, row, previous, 3, filtered);
            raw.WriteByte(type);
            raw.Write(filtered);
            row.CopyTo(previous);
        }

        // Frame the hand-made payload independently of PngWriter.
        using var compressed = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(raw.ToArray());
        }

        return PngChunks.Build(width, height, colorType: 2, compressed.ToArray());
    }
}
