using GenPipe.Tensors;

namespace GenPipe.Core.Imaging;

/// <summary>The data rectangle a plot shows: x from <see cref="XMin"/> to <see cref="XMax"/>, y likewise.</summary>
/// <param name="XMin">Left edge in data units.</param>
/// <param name="XMax">Right edge in data units.</param>
/// <param name="YMin">Bottom edge in data units.</param>
/// <param name="YMax">Top edge in data units.</param>
public readonly record struct PlotRange(double XMin, double XMax, double YMin, double YMax)
{
    /// <summary>
    /// A square range (the same scale on both axes, so round clusters look round) around every finite point of
    /// <paramref name="points"/> (shape [N, 2]), widened by <paramref name="marginFraction"/> of the span on each side.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is not [N, 2].</exception>
    public static PlotRange Around(Tensor points, double marginFraction = 0.05)
    {
        ArgumentNullException.ThrowIfNull(points);
        SampleRenderer.RequirePoints(points, nameof(points));
        double xMin = double.PositiveInfinity, xMax = double.NegativeInfinity;
        double yMin = double.PositiveInfinity, yMax = double.NegativeInfinity;
        var values = points.Span;
        for (int i = 0; i + 1 < values.Length; i += 2)
        {
            if (!float.IsFinite(values[i]) || !float.IsFinite(values[i + 1]))
            {
                continue;
            }

            xMin = Math.Min(xMin, values[i]);
            xMax = Math.Max(xMax, values[i]);
            yMin = Math.Min(yMin, values[i + 1]);
            yMax = Math.Max(yMax, values[i + 1]);
        }

        if (double.IsInfinity(xMin))
        {
            return new PlotRange(-1, 1, -1, 1);
        }

        // A single point or a line of points still needs an area to show.
        double span = Math.Max(Math.Max(xMax - xMin, yMax - yMin), 1e-6);
        double half = (span / 2) * (1 + (2 * marginFraction));
        double cx = (xMin + xMax) / 2;
        double cy = (yMin + yMax) / 2;
        return new PlotRange(cx - half, cx + half, cy - half, cy + half);
    }
}
