using System.Globalization;

namespace GenPipe.Hosting;

/// <summary>Parses sizes such as <c>512MB</c>, <c>1.5GB</c>, <c>64KiB</c> or <c>1048576</c> (bytes). Units are powers of 1024.</summary>
public static class MemorySize
{
    private static readonly (string Suffix, long Factor)[] Units =
    [
        ("TIB", 1L << 40), ("GIB", 1L << 30), ("MIB", 1L << 20), ("KIB", 1L << 10),
        ("TB", 1L << 40), ("GB", 1L << 30), ("MB", 1L << 20), ("KB", 1L << 10),
        ("T", 1L << 40), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10),
        ("B", 1),
    ];

    /// <summary>True when <paramref name="text"/> is a positive size; <paramref name="bytes"/> is then its value.</summary>
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string s = text.Trim().ToUpperInvariant();
        long factor = 1;
        foreach (var (suffix, f) in Units)
        {
            if (s.EndsWith(suffix, StringComparison.Ordinal))
            {
                s = s[..^suffix.Length].TrimEnd();
                factor = f;
                break;
            }
        }

        if (!decimal.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal number) || number <= 0)
        {
            return false;
        }

        decimal value = decimal.Round(number * factor, MidpointRounding.AwayFromZero);
        if (value < 1 || value > long.MaxValue)
        {
            return false;
        }

        bytes = (long)value;
        return true;
    }

    /// <summary>
    /// The size in bytes. Throws <see cref="GenPipeConfigurationException"/> naming <paramref name="settingName"/>
    /// when <paramref name="text"/> is not a positive size.
    /// </summary>
    public static long Parse(string? text, string settingName = "MemoryBudget")
    {
        if (TryParse(text, out long bytes))
        {
            return bytes;
        }

        throw new GenPipeConfigurationException(
            $"{settingName} '{text}' is not a size. Use a positive number with a unit, e.g. 512MB, 1.5GB or 64KiB " +
            "(units are powers of 1024; a bare number is bytes).");
    }
}
