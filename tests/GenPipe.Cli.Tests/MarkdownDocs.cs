using System.Text;

namespace GenPipe.Cli.Tests;

/// <summary>Reads the docs' fenced blocks and the shell commands in them, for the tests that run what the docs show.</summary>
internal static class MarkdownDocs
{
    /// <summary>The fenced blocks of a markdown file, in order: the language after the fence and the lines inside.</summary>
    public static IEnumerable<(string Language, List<string> Body)> Fenced(IEnumerable<string> lines)
    {
        List<string>? body = null;
        string language = "";
        foreach (string line in lines)
        {
            if (!line.Trim().StartsWith("```", StringComparison.Ordinal))
            {
                body?.Add(line);
                continue;
            }

            if (body is null)
            {
                language = line.Trim()[3..].Trim();
                body = [];
            }
            else
            {
                yield return (language, body);
                body = null;
            }
        }
    }

    /// <summary>True for the fence languages of shell blocks.</summary>
    public static bool IsShell(string language) => language is "bash" or "sh" or "shell" or "console";

    /// <summary>The commands of a shell block: lines joined across trailing backslashes, blank lines and comments dropped.</summary>
    public static IEnumerable<string> ShellCommands(IEnumerable<string> body)
    {
        var current = new StringBuilder();
        foreach (string raw in body)
        {
            string line = raw.Trim();
            if (line.EndsWith('\\'))
            {
                current.Append(line[..^1].TrimEnd()).Append(' ');
                continue;
            }

            current.Append(line);
            string command = current.ToString().Trim();
            current.Clear();
            if (command.Length > 0 && !command.StartsWith('#'))
            {
                yield return command;
            }
        }
    }
}
