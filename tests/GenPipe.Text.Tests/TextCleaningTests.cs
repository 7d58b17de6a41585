using GenPipe.Text.Normalization;
using Shouldly;
using Xunit;

namespace GenPipe.Text.Tests;

/// <summary>
/// The pieces of CLIP's text cleaning, each against what Python 3.11 gives (unicodedata.normalize("NFC"),
/// html.unescape, str.lower): the values below were printed by Python.
/// </summary>
public sealed class TextCleaningTests
{
    [Theory]
    [InlineData("e\u0301", "\u00e9")]
    [InlineData("\u1100\u1161\u11a8", "\uac01")] // Hangul jamo compose algorithmically.
    [InlineData("\u212b", "\u00c5")] // A singleton: the angstrom sign is never kept.
    [InlineData("q\u0307\u0323", "q\u0323\u0307")] // Marks sorted by combining class (220 before 230).
    [InlineData("\u1e9b\u0323", "\u1e9b\u0323")] // Composes with nothing: a composition exclusion's pieces stay apart.
    [InlineData("a\u0328\u0301", "\u0105\u0301")]
    [InlineData("\u0344", "\u0308\u0301")] // Excluded from composition, so it stays decomposed.
    [InlineData("plain ascii", "plain ascii")]
    public void Nfc_matches_python(string text, string expected) => Nfc.Normalize(text).ShouldBe(expected);

    [Theory]
    [InlineData("&amp", "&")]
    [InlineData("&notit;", "\u00acit;")] // The longest name valid without ';' that prefixes the text.
    [InlineData("&notin;", "\u2209")]
    [InlineData("&#x80;", "\u20ac")] // 0x80..0x9F read as Windows-1252.
    [InlineData("&#0;", "\ufffd")]
    [InlineData("&#1;", "")] // Controls are removed.
    [InlineData("&#xD800;", "\ufffd")]
    [InlineData("&#65&#66;", "AB")]
    [InlineData("&AMP;x", "&x")]
    [InlineData("&#x;", "&#x;")]
    [InlineData("&NotANam", "&NotANam")]
    [InlineData("&copy2024", "\u00a92024")]
    [InlineData("&eacute", "\u00e9")]
    public void Html_unescape_matches_python(string text, string expected) => HtmlUnescape.Unescape(text).ShouldBe(expected);

    [Theory]
    [InlineData("\u039f\u0394\u039f\u03a3", "\u03bf\u03b4\u03bf\u03c2")] // Final sigma at the end of a word.
    [InlineData("\u03a3\u0391\u03a3.", "\u03c3\u03b1\u03c2.")]
    [InlineData("\u03a3", "\u03c3")] // Alone: nothing cased before it.
    [InlineData("\u0391\u03a3'\u0392", "\u03b1\u03c3'\u03b2")] // The apostrophe is case-ignorable: a letter follows.
    [InlineData("\u0391\u03a31", "\u03b1\u03c21")]
    [InlineData("\u0391\u03a3\u0308", "\u03b1\u03c2\u0308")]
    [InlineData("\u0130", "i\u0307")] // The dotted capital I lowers to two code points.
    [InlineData("DI\u015e", "di\u015f")]
    public void Lower_case_matches_python(string text, string expected) => PythonCase.ToLower(text).ShouldBe(expected);

    [Fact]
    public void Strip_and_collapse_use_pythons_two_definitions_of_space()
    {
        // str.strip() strips U+001C..U+001F, the regex package's \s does not collapse them.
        ClipTextCleaner.Clean("\u001c A\u001cB \u001f").ShouldBe("a\u001cb");
        ClipTextCleaner.Clean("a\u00a0\u3000\u2028b\u0085c\u000bd").ShouldBe("a b c d");
        ClipTextCleaner.Clean("a\u200bb\u180ec").ShouldBe("a\u200bb\u180ec"); // Neither is whitespace.
        ClipTextCleaner.IsPythonSpace('\u001d').ShouldBeTrue();
        ClipTextCleaner.IsPythonSpace('\u200b').ShouldBeFalse();
    }
}
