using System.Globalization;
using GenPipe.Tensors;

namespace GenPipe.Core.Imaging;

/// <summary>
/// Turns generated samples into pictures: 2-D points into a scatter plot, image batches into a grid.
/// </summary>
public static class SampleRenderer
{
    private static readonly Rgb Background = Rgb.White;
    private static readonly Rgb GridColor = Rgb.Gray(228);
    private static readonly Rgb AxisColor = Rgb.Gray(150);
    private static readonly Rgb FrameColor = Rgb.Gray(90);
    private static readonly Rgb DotColor = new(31, 119, 180);
    private static readonly Rgb MarkerColor = new(214, 39, 40);
    private static readonly Rgb DefaultPadding = Rgb.Gray(96);
    private static readonly Rgb LabelColor = Rgb.Gray(110);

    /// <summary>The smallest scatter plot, in pixels per side.</summary>
    public const int MinimumPlotSize = 32;

    /// <summary>Opacity of one sample dot: dense regions get darker where dots overlap.</summary>
    public const float DotAlpha = 0.35f;

    /// <summary>Plots at least this large label their grid lines (in a 3x5-pixel font, scaled by size / 256).</summary>
    public const int MinimumLabelledPlotSize = 256;

    /// <summary>Tick labels longer than this are left out rather than crowd the plot.</summary>
    private const int MaximumLabelLength = 8;

    /// <summary>
    /// A square scatter plot of <paramref name="samples"/> (shape [N, 2], x then y) on a white background: the plot
    /// area framed, light grid lines at round values (labelled inside the frame from
    /// <see cref="MinimumLabelledPlotSize"/> pixels up), darker lines through x = 0 and y = 0 when in view,
    /// semi-transparent blue dots for the samples and opaque red crosses for <paramref name="markers"/> (for example
    /// the true means or training points, shape [M, 2]). Non-finite points are skipped.
    /// </summary>
    /// <param name="samples">The points to plot, [N, 2].</param>
    /// <param name="size">Width and height of the image in pixels (at least <see cref="MinimumPlotSize"/>).</param>
    /// <param name="markers">Optional reference points, [M, 2], drawn on top.</param>
    /// <param name="range">The data range to show; by default <see cref="PlotRange.Around"/> the samples and markers.</param>
    /// <exception cref="ArgumentException">A tensor is not [N, 2].</exception>
    public static RgbImage ScatterPlot(Tensor samples, int size = 512, Tensor? markers = null, PlotRange? range = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, MinimumPlotSize);
        RequirePoints(samples, nameof(samples));
        if (markers is not null)
        {
            RequirePoints(markers, nameof(markers));
        }

        var view = range ?? ViewOf(samples, markers);
        if (!(view.XMax > view.XMin) || !(view.YMax > view.YMin))
        {
            throw new ArgumentException($"The plot range {view} is empty: each maximum must exceed its minimum.", nameof(range));
        }

        var image = new RgbImage(size, size);
        image.Fill(Background);
        DrawGrid(image, view);

        double dotRadius = DotRadius(size);
        var points = samples.Span;
        for (int i = 0; i + 1 < points.Length; i += 2)
        {
            if (float.IsFinite(points[i]) && float.IsFinite(points[i + 1]))
            {
                var (px, py) = DataToPixel(view, size, points[i], points[i + 1]);
                image.FillDisc(px, py, dotRadius, DotColor, DotAlpha);
            }
        }

        if (markers is not null)
        {
            DrawMarkers(image, view, markers.Span, dotRadius);
        }

        return image;
    }

    /// <summary>
    /// Where a data point lands in a scatter plot of the given size: the plot area spans the pixel centres from
    /// <see cref="PlotInset"/> to <c>size - 1 - PlotInset</c>, x growing to the right and y growing upwards.
    /// </summary>
    public static (double X, double Y) DataToPixel(PlotRange range, int size, double x, double y)
    {
        int inset = PlotInset(size);
        double extent = size - 1 - (2 * inset);
        return (inset + ((x - range.XMin) / (range.XMax - range.XMin) * extent),
                inset + ((range.YMax - y) / (range.YMax - range.YMin) * extent));
    }

    /// <summary>The blank border around a scatter plot's data area, in pixels.</summary>
    public static int PlotInset(int size) => Math.Max(4, size / 32);

    /// <summary>The radius of a sample dot in a scatter plot of the given size, in pixels.</summary>
    public static double DotRadius(int size) => Math.Max(1.5, size / 200.0);

    /// <summary>
    /// Lays out a batch of images (shape [N, C, H, W], C = 1 or 3, values in [-1, 1]) as a grid, row by row, with
    /// <paramref name="padding"/> pixels of <paramref name="paddingColor"/> (default dark grey) around every cell.
    /// </summary>
    /// <param name="images">The batch, [N, C, H, W]; values outside [-1, 1] are clipped (see <see cref="ToPixelValue"/>).</param>
    /// <param name="columns">Images per row; 0 picks <c>ceil(sqrt(N))</c>.</param>
    /// <param name="padding">Pixels between and around cells.</param>
    /// <param name="paddingColor">The colour between cells and of empty cells.</param>
    /// <exception cref="ArgumentException">The tensor is not [N, 1 or 3, H, W] with N, H, W at least 1.</exception>
    public static RgbImage ImageGrid(Tensor images, int columns = 0, int padding = 2, Rgb? paddingColor = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (images.Rank != 4 || (images.Dim(1) != 1 && images.Dim(1) != 3) || images.Dim(0) < 1 || images.Dim(2) < 1 || images.Dim(3) < 1)
        {
            throw new ArgumentException(
                $"An image grid needs a tensor [N, C, H, W] with C = 1 or 3 and N, H, W >= 1, not {Tensor.FormatShape(images.Shape)}.", nameof(images));
        }

        int count = images.Dim(0), channels = images.Dim(1), height = images.Dim(2), width = images.Dim(3);
        int cols = columns > 0 ? Math.Min(columns, count) : (int)Math.Ceiling(Math.Sqrt(count));
        int rows = (count + cols - 1) / cols;
        var grid = new RgbImage(checked((cols * width) + ((cols + 1) * padding)), checked((rows * height) + ((rows + 1) * padding)));
        grid.Fill(paddingColor ?? DefaultPadding);

        var values = images.Span;
        int plane = height * width;
        for (int n = 0; n < count; n++)
        {
            int left = padding + ((n % cols) * (width + padding));
            int top = padding + ((n / cols) * (height + padding));
            int imageOffset = n * channels * plane;
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    int at = imageOffset + (y * width) + x;
                    byte r = ToPixelValue(values[at]);
                    var color = channels == 1
                        ? Rgb.Gray(r)
                        : new Rgb(r, ToPixelValue(values[at + plane]), ToPixelValue(values[at + (2 * plane)]));
                    grid.SetPixel(left + x, top + y, color);
                }
            }
        }

        return grid;
    }

    /// <summary>Maps a value in [-1, 1] to a byte: <c>round((v + 1) * 127.5)</c>, halves up, clipped; NaN gives 0.</summary>
    public static byte ToPixelValue(float value)
    {
        if (float.IsNaN(value))
        {
            return 0;
        }

        double scaled = Math.Floor(((value + 1.0) * 127.5) + 0.5);
        return (byte)Math.Clamp(scaled, 0, 255);
    }

    internal static void RequirePoints(Tensor points, string parameterName)
    {
        if (points.Rank != 2 || points.Dim(1) != 2)
        {
            throw new ArgumentException($"Points must be a tensor [N, 2] (x, y per row), not {Tensor.FormatShape(points.Shape)}.", parameterName);
        }
    }

    private static void DrawGrid(RgbImage image, PlotRange view)
    {
        int size = image.Width;
        int inset = PlotInset(size);
        int far = size - 1 - inset;
        var (xTicks, xStep) = NiceTicks(view.XMin, view.XMax);
        var (yTicks, yStep) = NiceTicks(view.YMin, view.YMax);
        foreach (double x in xTicks)
        {
            int px = (int)Math.Round(DataToPixel(view, size, x, 0).X);
            image.DrawLine(px, inset, px, far, x == 0 ? AxisColor : GridColor);
        }

        foreach (double y in yTicks)
        {
            int py = (int)Math.Round(DataToPixel(view, size, 0, y).Y);
            image.DrawLine(inset, py, far, py, y == 0 ? AxisColor : GridColor);
        }

        image.DrawRectangle(inset, inset, far - inset + 1, far - inset + 1, FrameColor);
        if (size >= MinimumLabelledPlotSize)
        {
            DrawTickLabels(image, view, xTicks, xStep, yTicks, yStep);
        }
    }

    /// <summary>
    /// Writes each grid value inside the frame: x values along the bottom edge just right of their line, y values
    /// along the left edge just above theirs (skipping the lowest, which would meet the x labels).
    /// </summary>
    private static void DrawTickLabels(RgbImage image, PlotRange view, List<double> xTicks, double xStep, List<double> yTicks, double yStep)
    {
        int size = image.Width;
        int scale = size / MinimumLabelledPlotSize;
        int inset = PlotInset(size);
        int far = size - 1 - inset;
        int gap = 2 * scale;
        int textHeight = DigitFont.GlyphHeight * scale;
        int xLabelTop = far - gap - textHeight;

        foreach (double x in xTicks)
        {
            string label = FormatTick(x, xStep);
            int left = (int)Math.Round(DataToPixel(view, size, x, 0).X) + gap;
            if (label.Length <= MaximumLabelLength && left + RgbImage.MeasureText(label, scale) < far - gap)
            {
                image.DrawText(left, xLabelTop, label, LabelColor, scale);
            }
        }

        foreach (double y in yTicks)
        {
            string label = FormatTick(y, yStep);
            int top = (int)Math.Round(DataToPixel(view, size, 0, y).Y) - gap - textHeight + 1;
            if (label.Length <= MaximumLabelLength && top > inset + gap && top + textHeight < xLabelTop - gap)
            {
                image.DrawText(inset + gap + 1, top, label, LabelColor, scale);
            }
        }
    }

    /// <summary>A tick value with as many decimals as its step needs (step 0.5 gives one, step 20 none).</summary>
    private static string FormatTick(double value, double step)
    {
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
        return value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    /// <summary>Round values (1, 2 or 5 times a power of ten apart) inside [min, max], about five to ten of them.</summary>
    private static (List<double> Ticks, double Step) NiceTicks(double min, double max)
    {
        double raw = (max - min) / 6;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = magnitude * (raw / magnitude < 1.5 ? 1 : raw / magnitude < 3.5 ? 2 : raw / magnitude < 7.5 ? 5 : 10);
        var ticks = new List<double>();
        for (double k = Math.Ceiling(min / step); k * step <= max; k++)
        {
            // Multiplying an integer index avoids drift, and snaps the zero line to exactly 0.
            ticks.Add((k * step) + 0.0); // + 0.0 turns -0 into 0, which would print as "-0"
        }

        return (ticks, step);
    }

    private static void DrawMarkers(RgbImage image, PlotRange view, ReadOnlySpan<float> markers, double dotRadius)
    {
        int arm = (int)Math.Ceiling(dotRadius * 3);
        for (int i = 0; i + 1 < markers.Length; i += 2)
        {
            if (!float.IsFinite(markers[i]) || !float.IsFinite(markers[i + 1]))
            {
                continue;
            }

            var (px, py) = DataToPixel(view, image.Width, markers[i], markers[i + 1]);
            int cx = (int)Math.Round(px), cy = (int)Math.Round(py);
            for (int t = -1; t <= 0; t++)
            {
                // Two pixels thick, so the cross stays visible over dense dots.
                image.DrawLine(cx - arm, cy + t, cx + arm, cy + t, MarkerColor);
                image.DrawLine(cx + t, cy - arm, cx + t, cy + arm, MarkerColor);
            }
        }
    }

    // The range around the samples and the markers together.
    private static PlotRange ViewOf(Tensor samples, Tensor? markers)
    {
        if (markers is null)
        {
            return PlotRange.Around(samples);
        }

        var data = new float[samples.Length + markers.Length];
        samples.Span.CopyTo(data);
        markers.Span.CopyTo(data.AsSpan(samples.Length));
        using var both = new Tensor(data, samples.Dim(0) + markers.Dim(0), 2);
        return PlotRange.Around(both);
    }
}
