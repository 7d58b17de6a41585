namespace GenPipe.Core.Pipelines;

/// <summary>Builds the JSON paths diagnostics use (<c>$.steps[1].in.guidance</c>), the same way everywhere.</summary>
internal static class JsonPathText
{
    public const string Root = "$";

    public static string Property(string parent, string name)
    {
        bool plain = name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') &&
            name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-');
        return plain ? $"{parent}.{name}" : $"{parent}['{name.Replace("'", "\\'", StringComparison.Ordinal)}']";
    }

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    /// <summary>The parent of a path built by <see cref="Property"/> or <see cref="Index"/>, or null for the root.</summary>
    public static string? Parent(string path)
    {
        if (path == Root)
        {
            return null;
        }

        int end = path.Length - 1;
        if (path[end] == ']')
        {
            // Either [n] or ['name']; find the bracket that opens it, skipping quoted text.
            int open = path[end - 1] == '\'' ? path.LastIndexOf("['", end, StringComparison.Ordinal) : path.LastIndexOf('[');
            return open > 0 ? path[..open] : Root;
        }

        int dot = path.LastIndexOf('.');
        return dot > 0 ? path[..dot] : Root;
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="ancestor"/> or lies inside it.</summary>
    public static bool IsWithin(string path, string ancestor) =>
        path == ancestor ||
        (path.StartsWith(ancestor, StringComparison.Ordinal) && path.Length > ancestor.Length &&
         (path[ancestor.Length] == '.' || path[ancestor.Length] == '['));
}
