namespace GenPipe.Core.Imaging;

/// <summary>
/// A mutable 8-bit RGB raster, row-major with three bytes per pixel, origin at the top left. Drawing helpers clip to
/// the image, so callers may draw partly outside it.
/// </summary>
public sealed class RgbImage
{
    /// <summary>A black image.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is below 1 or the image would exceed 2 GiB.</exception>
    public RgbImage(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        Width = width;
        Height = height;
        Pixels = new byte[checked(width * height * 3)];
    }

    /// <summary>Wraps <paramref name="pixels"/> (not copied): <c>width * height * 3</c> bytes, RGB, row-major.</summary>
    /// <exception cref="ArgumentException">The buffer length does not match the size.</exception>
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (pixels.Length != (long)width * height * 3)
        {
            throw new ArgumentException($"A {width}x{height} RGB image needs {(long)width * height * 3} bytes, not {pixels.Length}.", nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>The pixel bytes: R, G, B for each pixel, rows top to bottom.</summary>
    public byte[] Pixels { get; }

    /// <summary>True when (x, y) lies inside the image.</summary>
    public bool Contains(int x, int y) => (uint)x < (uint)Width && (uint)y < (uint)Height;

    /// <summary>The colour at (x, y).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The point is outside the image.</exception>
    public Rgb GetPixel(int x, int y)
    {
        int offset = OffsetOf(x, y);
        return new Rgb(Pixels[offset], Pixels[offset + 1], Pixels[offset + 2]);
    }

    /// <summary>Sets the pixel at (x, y); points outside the image are ignored.</summary>
    public void SetPixel(int x, int y, Rgb color)
    {
        if (!Contains(x, y))
        {
            return;
        }

        int offset = ((y * Width) + x) * 3;
        Pixels[offset] = color.R;
        Pixels[offset + 1] = color.G;
        Pixels[offset + 2] = color.B;
    }

    /// <summary>
    /// Mixes <paramref name="color"/> over the pixel at (x, y) with opacity <paramref name="alpha"/> (0 to 1);
    /// points outside the image are ignored.
    /// </summary>
    public void BlendPixel(int x, int y, Rgb color, float alpha)
    {
        if (!Contains(x, y))
        {
            return;
        }

        float a = Math.Clamp(alpha, 0f, 1f);
        int offset = ((y * Width) + x) * 3;
        Pixels[offset] = Mix(Pixels[offset], color.R, a);
        Pixels[offset + 1] = Mix(Pixels[offset + 1], color.G, a);
        Pixels[offset + 2] = Mix(Pixels[offset + 2], color.B, a);
    }

    /// <summary>Paints every pixel with <paramref name="color"/>.</summary>
    public void Fill(Rgb color) => FillRectangle(0, 0, Width, Height, color);

    /// <summary>Paints the axis-aligned rectangle with top-left (x, y) and the given size, clipped to the image.</summary>
    public void FillRectangle(int x, int y, int width, int height, Rgb color)
    {
        int x0 = Math.Max(x, 0);
        int y0 = Math.Max(y, 0);
        int x1 = (int)Math.Min((long)x + width, Width);
        int y1 = (int)Math.Min((long)y + height, Height);
        for (int row = y0; row < y1; row++)
        {
            for (int column = x0; column < x1; column++)
            {
                SetPixel(column, row, color);
            }
        }
    }

    /// <summary>Draws the one-pixel outline of a rectangle with top-left (x, y) and the given size.</summary>
    public void DrawRectangle(int x, int y, int width, int height, Rgb color)
    {
        if (width <= 0 || height <= 0)
        {
            return;
        }

        DrawLine(x, y, x + width - 1, y, color);
        DrawLine(x, y + height - 1, x + width - 1, y + height - 1, color);
        DrawLine(x, y, x, y + height - 1, color);
        DrawLine(x + width - 1, y, x + width - 1, y + height - 1, color);
    }

    /// <summary>Draws a one-pixel line from (x0, y0) to (x1, y1), both ends included (Bresenham).</summary>
    public void DrawLine(int x0, int y0, int x1, int y1, Rgb color)
    {
        int dx = Math.Abs(x1 - x0);
        int dy = -Math.Abs(y1 - y0);
        int stepX = x0 < x1 ? 1 : -1;
        int stepY = y0 < y1 ? 1 : -1;
        int error = dx + dy;
        while (true)
        {
            SetPixel(x0, y0, color);
            if (x0 == x1 && y0 == y1)
            {
                return;
            }

            int doubled = 2 * error;
            if (doubled >= dy)
            {
                error += dy;
                x0 += stepX;
            }

            if (doubled <= dx)
            {
                error += dx;
                y0 += stepY;
            }
        }
    }

    /// <summary>
    /// Paints the pixels whose centres lie within <paramref name="radius"/> of (cx, cy), blended with opacity
    /// <paramref name="alpha"/>; each pixel is touched once, so overlapping discs darken where they overlap.
    /// </summary>
    public void FillDisc(double cx, double cy, double radius, Rgb color, float alpha = 1f)
    {
        if (!(radius >= 0))
        {
            return;
        }

        int xStart = (int)Math.Floor(cx - radius);
        int xEnd = (int)Math.Ceiling(cx + radius);
        int yStart = (int)Math.Floor(cy - radius);
        int yEnd = (int)Math.Ceiling(cy + radius);
        double limit = radius * radius;
        for (int y = yStart; y <= yEnd; y++)
        {
            for (int x = xStart; x <= xEnd; x++)
            {
                double ex = x - cx;
                double ey = y - cy;
                if ((ex * ex) + (ey * ey) <= limit)
                {
                    BlendPixel(x, y, color, alpha);
                }
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="text"/> in a 3x5-pixel font with its top-left corner at (x, y), each font pixel drawn
    /// as a <paramref name="scale"/>-sided square. The font has digits, '-', '+', '.', 'e' and space.
    /// </summary>
    /// <returns>The width of the text in pixels.</returns>
    /// <exception cref="ArgumentException">The text has a character the font lacks.</exception>
    public int DrawText(int x, int y, string text, Rgb color, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        for (int i = 0; i < text.Length; i++)
        {
            byte[] glyph = DigitFont.Glyph(text[i])
                ?? throw new ArgumentException($"The built-in font has no '{text[i]}' (it has digits, '-', '+', '.', 'e' and space).", nameof(text));
            int left = x + (i * DigitFont.Advance * scale);
            for (int row = 0; row < DigitFont.GlyphHeight; row++)
            {
                for (int column = 0; column < DigitFont.GlyphWidth; column++)
                {
                    if ((glyph[row] & (1 << (DigitFont.GlyphWidth - 1 - column))) != 0)
                    {
                        FillRectangle(left + (column * scale), y + (row * scale), scale, scale, color);
                    }
                }
            }
        }

        return MeasureText(text, scale);
    }

    /// <summary>The width in pixels that <see cref="DrawText"/> gives <paramref name="text"/>.</summary>
    public static int MeasureText(string text, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == 0 ? 0 : ((text.Length * DigitFont.Advance) - 1) * scale;
    }

    private int OffsetOf(int x, int y)
    {
        if (!Contains(x, y))
        {
            throw new ArgumentOutOfRangeException(nameof(x), $"({x}, {y}) is outside the {Width}x{Height} image.");
        }

        return ((y * Width) + x) * 3;
    }

    private static byte Mix(byte under, byte over, float alpha) =>
        (byte)Math.Clamp((int)MathF.Round(under + ((over - under) * alpha)), 0, 255);
}
