using System.Globalization;
using System.Text;

namespace GenPipe.Cli.Commands;

/// <summary>
/// <c>--condition PARAM=TEMPLATE</c> of <c>genpipe eval</c>: the pipeline parameter that asks for a digit and the text
/// to set it to for each digit 0 to 9. <c>{digit}</c> becomes the numeral (7), <c>{word}</c> the English word (seven),
/// <c>{a}</c> the article for the word after it ("a seven", "an eight", "an 8").
/// </summary>
internal sealed class EvalCondition
{
    private static readonly string[] Words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
    private static readonly string[] Placeholders = ["{digit}", "{word}", "{a}"];

    private EvalCondition(string parameter, string template)
    {
        Parameter = parameter;
        Template = template;
    }

    /// <summary>The pipeline parameter set per digit.</summary>
    public string Parameter { get; }

    /// <summary>The template as given.</summary>
    public string Template { get; }

    /// <summary>The condition of <paramref name="text"/>, or the reason it is not one (a sentence that names the fix).</summary>
    public static (EvalCondition? Condition, string? Problem) Parse(string text)
    {
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        string parameter = eq < 0 ? "" : text[..eq].Trim();
        if (parameter.Length == 0)
        {
            return (null, $"'{text}' is not PARAMETER=TEMPLATE; write e.g. --condition \"prompt={{a}} {{word}}\" or --condition \"class={{digit}}\".");
        }

        string template = text[(eq + 1)..];
        if (!template.Contains("{digit}", StringComparison.Ordinal) && !template.Contains("{word}", StringComparison.Ordinal))
        {
            return (null, $"the template '{template}' names no digit; put {{digit}} (7) or {{word}} (seven) where the digit goes.");
        }

        // Any other {...} is a typo ({Word}, {digits}) that would otherwise reach the model as text.
        string rest = template;
        foreach (string placeholder in Placeholders)
        {
            rest = rest.Replace(placeholder, "", StringComparison.Ordinal);
        }

        int brace = rest.IndexOfAny(['{', '}']);
        if (brace >= 0)
        {
            return (null, $"the template '{template}' holds a brace that is not one of {string.Join(", ", Placeholders)}; the placeholders are {{digit}} (7), {{word}} (seven) and {{a}} (a/an).");
        }

        return (new EvalCondition(parameter, template), null);
    }

    /// <summary>The template for <paramref name="digit"/>: numeral and word filled in, then each <c>{a}</c> as the word after it needs.</summary>
    public string For(int digit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(digit);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(digit, 9);
        string text = Template
            .Replace("{digit}", digit.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{word}", Words[digit], StringComparison.Ordinal);
        var result = new StringBuilder(text.Length);
        int at = 0;
        while (true)
        {
            int article = text.IndexOf("{a}", at, StringComparison.Ordinal);
            if (article < 0)
            {
                return result.Append(text, at, text.Length - at).ToString();
            }

            result.Append(text, at, article - at).Append(Article(NextWord(text, article + 3)));
            at = article + 3;
        }
    }

    /// <summary>"an" before a vowel sound: eight, 8 (and 80..., 11, 18), words starting with a vowel letter except "one"/"once"; "a" otherwise.</summary>
    internal static string Article(string word)
    {
        string w = word.ToLowerInvariant();
        if (w.StartsWith("one", StringComparison.Ordinal) || w.StartsWith("uni", StringComparison.Ordinal) || w.StartsWith("eu", StringComparison.Ordinal))
        {
            return "a";
        }

        bool vowelSound = w.Length > 0 && ("aeiou".Contains(w[0], StringComparison.Ordinal) || w[0] == '8' || w is "11" or "18");
        return vowelSound ? "an" : "a";
    }

    private static string NextWord(string text, int from)
    {
        int start = from;
        while (start < text.Length && !char.IsLetterOrDigit(text[start]))
        {
            start++;
        }

        int end = start;
        while (end < text.Length && char.IsLetterOrDigit(text[end]))
        {
            end++;
        }

        return text[start..end];
    }
}
