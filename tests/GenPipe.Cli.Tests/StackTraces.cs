using System.Text.RegularExpressions;

namespace GenPipe.Cli.Tests;

/// <summary>Finds .NET stack-trace frames ("   at Namespace.Type.Method(...)") in what a command printed.</summary>
internal static partial class StackTraces
{
    public static bool In(string text) => Frame().IsMatch(text);

    // A frame, not prose such as "a value   at most 1" in a padded table.
    [GeneratedRegex(@"(?m)^\s+at [A-Za-z_][\w.`<>\[\],+]*\(")]
    private static partial Regex Frame();
}
