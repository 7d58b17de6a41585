using System.Globalization;

namespace GenPipe.Core.Text;

/// <summary>Sizes in human units (powers of 1024): <c>512 B</c>, <c>1.5 KiB</c>, <c>74.5 GiB</c>, <c>8 EiB</c>.</summary>
public static class ByteSize
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    /// <summary><paramref name="bytes"/> in the largest unit that keeps the number at least 1, with up to one decimal.</summary>
    public static string Format(long bytes)
    {
        double value = bytes;
        int unit = 0;
        while (Math.Abs(value) >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {Units[unit]}");
    }
}
