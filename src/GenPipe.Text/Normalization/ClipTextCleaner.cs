using System.Text;

namespace GenPipe.Text.Normalization;

/// <summary>
/// The text cleaning of CLIP's reference tokenizer, in its order: ftfy's repairs (of which only NFC normalization is
/// done here), HTML unescaping twice, stripping, collapsing each run of whitespace to one space, stripping again,
/// lower-casing, each with Python's definitions.
/// </summary>
/// <remarks>
/// ftfy's other repairs (mojibake, curly quotes, ligatures, full-width forms, control characters) are not done: the
/// reference cases were made without them, and which of them applies depends on ftfy's heuristics and version.
/// Python's <c>str.strip()</c> strips what <c>str.isspace()</c> calls space, which includes the separators
/// U+001C..U+001F; the collapsing uses the <c>regex</c> package's <c>\s</c>, Unicode's White_Space, which does not,
/// so those four are removed at either end and kept inside.
/// </remarks>
internal static class ClipTextCleaner
{
    /// <summary>The text as the reference tokenizer splits it.</summary>
    public static string Clean(string text)
    {
        string unescaped = HtmlUnescape.Unescape(HtmlUnescape.Unescape(Nfc.Normalize(text)));
        return PythonCase.ToLower(StripPython(CollapseWhiteSpace(StripPython(unescaped))));
    }

    /// <summary>Python's <c>str.isspace()</c> for one UTF-16 unit (every such character is in the BMP).</summary>
    public static bool IsPythonSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001C' and <= '\u001F';

    private static string StripPython(string text)
    {
        int start = 0, end = text.Length;
        while (start < end && IsPythonSpace(text[start]))
        {
            start++;
        }

        while (end > start && IsPythonSpace(text[end - 1]))
        {
            end--;
        }

        return text[start..end];
    }

    // .NET's char.IsWhiteSpace is Unicode's White_Space (all of it in the BMP), as the regex package's \s is.
    private static string CollapseWhiteSpace(string text)
    {
        var collapsed = new StringBuilder(text.Length);
        bool inRun = false;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                if (!inRun)
                {
                    collapsed.Append(' ');
                }

                inRun = true;
                continue;
            }

            inRun = false;
            collapsed.Append(c);
        }

        return collapsed.ToString();
    }
}
