using System.Text;

namespace GenPipe.Core.Imaging;

/// <summary>
/// PNG text chunks, as A1111 and ComfyUI store generation parameters: <c>tEXt</c> (keyword, NUL, Latin-1 text) when
/// the text is Latin-1, else <c>iTXt</c> (keyword, NUL, no compression, empty language and translated keyword, UTF-8
/// text), the same choice PIL's <c>PngInfo.add_text</c> makes, so readers of either tool's files read ours.
/// </summary>
public static class PngText
{
    private static readonly Encoding Latin1 = Encoding.Latin1;

    /// <summary>The chunk type and payload for one entry.</summary>
    /// <exception cref="ArgumentException">The keyword is not 1 to 79 printable Latin-1 characters.</exception>
    public static (string Type, byte[] Payload) Encode(string keyword, string text)
    {
        ArgumentNullException.ThrowIfNull(keyword);
        ArgumentNullException.ThrowIfNull(text);
        if (keyword.Length is < 1 or > 79 || keyword.Any(c => c < 32 || c > 255 || (c > 126 && c < 161)) || keyword != keyword.Trim())
        {
            throw new ArgumentException($"PNG text keyword \"{keyword}\" must be 1 to 79 printable Latin-1 characters without leading or trailing spaces.", nameof(keyword));
        }

        byte[] key = Latin1.GetBytes(keyword);
        if (text.All(c => c <= 255))
        {
            return ("tEXt", [.. key, 0, .. Latin1.GetBytes(text)]);
        }

        // keyword NUL, compression flag 0, method 0, language "" NUL, translated keyword "" NUL, UTF-8 text.
        return ("iTXt", [.. key, 0, 0, 0, 0, 0, .. Encoding.UTF8.GetBytes(text)]);
    }

    /// <summary>The entry of a <c>tEXt</c> or uncompressed <c>iTXt</c> payload, or null for another chunk or a compressed one.</summary>
    public static KeyValuePair<string, string>? Decode(string type, ReadOnlySpan<byte> payload)
    {
        int nul = payload.IndexOf((byte)0);
        if (nul < 1)
        {
            return null;
        }

        string keyword = Latin1.GetString(payload[..nul]);
        var rest = payload[(nul + 1)..];
        if (type == "tEXt")
        {
            return new(keyword, Latin1.GetString(rest));
        }

        if (type != "iTXt" || rest.Length < 2 || rest[0] != 0)
        {
            return null;
        }

        // Skip the method byte, then the language tag and the translated keyword, each NUL-terminated.
        rest = rest[2..];
        for (int field = 0; field < 2; field++)
        {
            int end = rest.IndexOf((byte)0);
            if (end < 0)
            {
                return null;
            }

            rest = rest[(end + 1)..];
        }

        return new(keyword, Encoding.UTF8.GetString(rest));
    }
}
