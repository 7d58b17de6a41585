using GenPipe.Core.Imaging;
using GenPipe.Tensors;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests.Imaging;

public sealed class SampleRendererTests
{
    // With range [0, 119] on both axes and size 128, the inset is 4 and the data area 119 pixels wide, so a data
    // point (x, y) sits exactly at pixel (4 + x, 4 + 119 - y). Grid lines fall every 20 units: columns 4, 24, ...
    private const int Size = 128;
    private static readonly PlotRange Range = new(0, 119, 0, 119);

    private static readonly Rgb White = Rgb.White;
    private static readonly Rgb OneDot = new(177, 207, 229);  // blue (31, 119, 180) at 35 % over white, rounded
    private static readonly Rgb TwoDots = new(126, 176, 212); // the same again over OneDot
    private static readonly Rgb Red = new(214, 39, 40);

    [Fact]
    public void LayoutPutsDataPointsAtTheDocumentedPixels()
    {
        SampleRenderer.PlotInset(Size).ShouldBe(4);
        SampleRenderer.DataToPixel(Range, Size, 0, 0).ShouldBe((4.0, 123.0));
        SampleRenderer.DataToPixel(Range, Size, 119, 119).ShouldBe((123.0, 4.0));
        SampleRenderer.DataToPixel(Range, Size, 10, 30).ShouldBe((14.0, 93.0));
    }

    [Fact]
    public void DotsAppearAtTheExpectedPixelsAndNowhereElse()
    {
        var samples = new Tensor([10f, 30f, 50f, 70f, 50f, 70f, float.NaN, 3f], 4, 2);

        var plot = SampleRenderer.ScatterPlot(samples, Size, range: Range);

        plot.Width.ShouldBe(Size);
        plot.Height.ShouldBe(Size);
        // Radius 1.5 covers the 3x3 block around the centre, not the pixels two away.
        for (int dy = -1; dy <= 1; dy++)
        {
            for (int dx = -1; dx <= 1; dx++)
            {
                plot.GetPixel(14 + dx, 93 + dy).ShouldBe(OneDot);
                plot.GetPixel(54 + dx, 53 + dy).ShouldBe(TwoDots);
            }
        }

        plot.GetPixel(16, 93).ShouldBe(White);
        plot.GetPixel(14, 95).ShouldBe(White);
        plot.GetPixel(60, 60).ShouldBe(White);
        CountPixels(plot, OneDot).ShouldBe(9);
        CountPixels(plot, TwoDots).ShouldBe(9);
    }

    [Fact]
    public void GridAxesFrameAndMarkersAreDrawn()
    {
        var samples = new Tensor([10f, 30f], 1, 2);
        var markers = new Tensor([100f, 100f], 1, 2);

        var plot = SampleRenderer.ScatterPlot(samples, Size, markers, Range);

        plot.GetPixel(24, 60).ShouldBe(Rgb.Gray(228)); // grid line at x = 20
        plot.GetPixel(60, 103).ShouldBe(Rgb.Gray(228)); // grid line at y = 20
        plot.GetPixel(4, 60).ShouldBe(Rgb.Gray(90)); // frame (over the x = 0 axis)
        plot.GetPixel(2, 60).ShouldBe(White); // outside the frame
        plot.GetPixel(104, 23).ShouldBe(Red); // marker centre at (100, 100)
        plot.GetPixel(104 + 4, 23).ShouldBe(Red); // cross arm
        plot.GetPixel(104 + 4, 23 + 4).ShouldNotBe(Red);
    }

    [Fact]
    public void AxisLinesThroughZeroAreDarkerThanTheGrid()
    {
        var plot = SampleRenderer.ScatterPlot(new Tensor([0f, 0f], 1, 2), Size, range: new PlotRange(-59.5, 59.5, -59.5, 59.5));

        // Zero maps to the middle pixel 63.5, drawn at row and column 64 (rounded half to even: 64).
        plot.GetPixel(64, 20).ShouldBe(Rgb.Gray(150));
        plot.GetPixel(20, 64).ShouldBe(Rgb.Gray(150));
    }

    [Fact]
    public void AutomaticRangeIsSquareAroundTheDataWithMargin()
    {
        var points = new Tensor([-3f, -1f, 5f, 7f, 1f, 2f], 3, 2);

        var range = PlotRange.Around(points, marginFraction: 0.05);

        range.XMin.ShouldBe(-3.4, 1e-12);
        range.XMax.ShouldBe(5.4, 1e-12);
        range.YMin.ShouldBe(-1.4, 1e-12);
        range.YMax.ShouldBe(7.4, 1e-12);

        var flat = PlotRange.Around(new Tensor([0f, 0f, 4f, 0f], 2, 2), 0);
        (flat.YMax - flat.YMin).ShouldBe(4, 1e-12);
        flat.YMin.ShouldBe(-2, 1e-12);
    }

    [Fact]
    public void AutomaticRangeKeepsEveryPointAndMarkerInsideTheDataArea()
    {
        var samples = new TorchGenerator(3).Randn(500, 2);
        var markers = new Tensor([4f, -4f], 1, 2);

        var plot = SampleRenderer.ScatterPlot(samples, 256, markers);

        var range = PlotRange.Around(new Tensor([.. samples.Span.ToArray(), 4f, -4f], 501, 2));
        var (mx, my) = SampleRenderer.DataToPixel(range, 256, 4, -4);
        plot.GetPixel((int)Math.Round(mx), (int)Math.Round(my)).ShouldBe(Red);
        mx.ShouldBeLessThan(256 - SampleRenderer.PlotInset(256));
        my.ShouldBeLessThan(256 - SampleRenderer.PlotInset(256));
        SaveIfRequested(plot, "scatter_randn.png");
    }

    [Fact]
    public void WrongShapesAreRejected()
    {
        Should.Throw<ArgumentException>(() => SampleRenderer.ScatterPlot(Tensor.Zeros(4, 3)));
        Should.Throw<ArgumentException>(() => SampleRenderer.ScatterPlot(Tensor.Zeros(4, 2), markers: Tensor.Zeros(2)));
        Should.Throw<ArgumentException>(() => SampleRenderer.ScatterPlot(Tensor.Zeros(4, 2), range: new PlotRange(1, 1, 0, 1)));
        Should.Throw<ArgumentException>(() => SampleRenderer.ImageGrid(Tensor.Zeros(2, 2, 4, 4)));
    }

    [Fact]
    public void PixelValuesMapMinusOneToOneOntoBytes()
    {
        SampleRenderer.ToPixelValue(-1f).ShouldBe((byte)0);
        SampleRenderer.ToPixelValue(0f).ShouldBe((byte)128);
        SampleRenderer.ToPixelValue(0.5f).ShouldBe((byte)191);
        SampleRenderer.ToPixelValue(1f).ShouldBe((byte)255);
        SampleRenderer.ToPixelValue(-7f).ShouldBe((byte)0);
        SampleRenderer.ToPixelValue(3f).ShouldBe((byte)255);
        SampleRenderer.ToPixelValue(float.NaN).ShouldBe((byte)0);
    }

    [Fact]
    public void GrayGridLaysCellsOutRowByRowWithPadding()
    {
        // Five 2x3 images: image n holds the value (n - 2) / 2 everywhere except its top-left pixel, which is -1.
        const int n = 5, h = 2, w = 3;
        var images = Tensor.Zeros(n, 1, h, w);
        for (int i = 0; i < n; i++)
        {
            images.Span.Slice(i * h * w, h * w).Fill((i - 2) / 2f);
            images[i, 0, 0, 0] = -1f;
        }

        var grid = SampleRenderer.ImageGrid(images, padding: 2, paddingColor: new Rgb(1, 2, 3));

        // ceil(sqrt(5)) = 3 columns, 2 rows.
        grid.Width.ShouldBe((3 * w) + (4 * 2));
        grid.Height.ShouldBe((2 * h) + (3 * 2));
        byte[] levels = [0, 64, 128, 191, 255];
        for (int i = 0; i < n; i++)
        {
            int left = 2 + ((i % 3) * (w + 2));
            int top = 2 + ((i / 3) * (h + 2));
            grid.GetPixel(left, top).ShouldBe(Rgb.Gray(0));
            grid.GetPixel(left + w - 1, top + h - 1).ShouldBe(Rgb.Gray(levels[i]));
            grid.GetPixel(left - 1, top).ShouldBe(new Rgb(1, 2, 3));
        }

        // The sixth cell is empty.
        grid.GetPixel(2 + (2 * (w + 2)), 2 + h + 2).ShouldBe(new Rgb(1, 2, 3));
    }

    [Fact]
    public void ColourGridTakesChannelsFromTheirPlanes()
    {
        var images = Tensor.Zeros(2, 3, 1, 2);
        images[1, 0, 0, 1] = 1f;   // red
        images[1, 1, 0, 1] = -1f;  // green
        images[1, 2, 0, 1] = 0f;   // blue

        var grid = SampleRenderer.ImageGrid(images, columns: 1, padding: 0);

        grid.Width.ShouldBe(2);
        grid.Height.ShouldBe(2);
        grid.GetPixel(1, 1).ShouldBe(new Rgb(255, 0, 128));
        grid.GetPixel(0, 0).ShouldBe(Rgb.Gray(128));
        SaveIfRequested(grid, "grid_colour.png");
    }

    [Fact]
    public void PlotsSurviveAPngRoundTrip()
    {
        var plot = SampleRenderer.ScatterPlot(new TorchGenerator(1).Randn(200, 2), 200);
        using var stream = new MemoryStream();
        PngWriter.Write(stream, plot);

        PngReader.Read(stream.ToArray()).Pixels.ShouldBe(plot.Pixels);
    }

    [Fact]
    public void TextIsDrawnInTheThreeByFiveFont()
    {
        var image = new RgbImage(12, 7);
        image.Fill(White);

        int width = image.DrawText(1, 1, "7-", Rgb.Black, scale: 1);

        width.ShouldBe(7);
        RgbImage.MeasureText("7-", 2).ShouldBe(14);
        string[] expected =
        [
            "............",
            ".###........",
            "...#........",
            "...#.###....",
            "...#........",
            "...#........",
            "............",
        ];
        Render(image).ShouldBe(expected);
        Should.Throw<ArgumentException>(() => image.DrawText(0, 0, "x", Rgb.Black));
    }

    [Fact]
    public void LargePlotsLabelTheirGridLines()
    {
        // Size 512: inset 16, data area 479 pixels for [0, 479], grid every 100, labels at scale 2 (glyphs 6x10).
        var range = new PlotRange(0, 479, 0, 479);
        var plot = SampleRenderer.ScatterPlot(new Tensor([-100f, -100f], 1, 2), 512, range: range);
        var label = Rgb.Gray(110);

        // "100" starts 4 pixels right of the x = 100 line (column 116); the data area's last row is 495, so the text
        // takes rows 481..490. The '1' glyph's top row is .#. -> columns 122..123; its second row ##. -> 120..123.
        plot.GetPixel(122, 481).ShouldBe(label);
        plot.GetPixel(120, 481).ShouldNotBe(label);
        plot.GetPixel(120, 483).ShouldBe(label);
        // "200" sits above the y = 200 line (row 295): rows 282..291 from column 16 + 4 + 1 = 21. The '2' glyph's
        // second row is ..# -> columns 25..26 only.
        plot.GetPixel(21, 282).ShouldBe(label);
        plot.GetPixel(21, 284).ShouldNotBe(label);
        plot.GetPixel(25, 284).ShouldBe(label);
        CountPixels(plot, label).ShouldBeGreaterThan(100);

        SaveIfRequested(plot, "scatter_labels.png");
        SampleRenderer.ScatterPlot(new Tensor([-100f, -100f], 1, 2), 255, range: range).Pixels
            .Count(b => b == 110).ShouldBe(0);
    }

    private static string[] Render(RgbImage image)
    {
        var rows = new string[image.Height];
        for (int y = 0; y < image.Height; y++)
        {
            var row = new char[image.Width];
            for (int x = 0; x < image.Width; x++)
            {
                row[x] = image.GetPixel(x, y) == Rgb.Black ? '#' : '.';
            }

            rows[y] = new string(row);
        }

        return rows;
    }

    private static int CountPixels(RgbImage image, Rgb color)
    {
        int count = 0;
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                count += image.GetPixel(x, y) == color ? 1 : 0;
            }
        }

        return count;
    }

    /// <summary>Saves the picture for a human look when GENPIPE_IMAGING_OUT names a folder.</summary>
    private static void SaveIfRequested(RgbImage image, string name)
    {
        string? folder = Environment.GetEnvironmentVariable("GENPIPE_IMAGING_OUT");
        if (!string.IsNullOrWhiteSpace(folder))
        {
            PngWriter.Write(Path.Combine(folder, name), image);
        }
    }
}
