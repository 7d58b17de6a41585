using System.Text.Json;

namespace GenPipe.Text.Tests;

/// <summary>
/// The reference tokenizations: tests/Fixtures/clip-tokenizer/cases.json, Refs/clip-hard-cases.json
/// (tools/fixtures/make_clip_cases.py) and every case file under the folder named by GENPIPE_CLIP_TOKENIZER_REFS.
/// </summary>
public static class ClipCases
{
    /// <summary>The environment variable naming a folder of more case files (same format, same vocabulary).</summary>
    public const string RefsVariable = "GENPIPE_CLIP_TOKENIZER_REFS";

    public static string FixtureFolder { get; } = Path.Combine(AppContext.BaseDirectory, "Fixtures", "clip-tokenizer");

    private static readonly Lazy<ClipTokenizer> Shared = new(() => ClipTokenizer.Load(FixtureFolder));

    // Each file is parsed once for all its rows: a case file from outside may be large.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<IReadOnlyList<Case>>> Parsed = new(StringComparer.Ordinal);

    /// <summary>The tokenizer of the fixture folder, loaded once.</summary>
    public static ClipTokenizer Tokenizer => Shared.Value;

    /// <summary>The case files: the two in the repository, then those under <see cref="RefsVariable"/>'s folder.</summary>
    public static IEnumerable<string> Files()
    {
        yield return Path.Combine(FixtureFolder, "cases.json");
        yield return Path.Combine(AppContext.BaseDirectory, "Refs", "clip-hard-cases.json");
        if (Environment.GetEnvironmentVariable(RefsVariable) is { Length: > 0 } folder)
        {
            // A missing folder is returned as it is, so that reading it fails the test instead of skipping the cases.
            if (!Directory.Exists(folder))
            {
                yield return folder;
                yield break;
            }

            // The folder may hold the vocabulary too: a case file is a JSON object with a "cases" list.
            foreach (string file in Directory.EnumerateFiles(folder, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (IsCaseFile(file))
                {
                    yield return file;
                }
            }
        }
    }

    /// <summary>One reference case.</summary>
    public sealed record Case(string Text, int[] Ids, int[] InputIds, string[] Tokens);

    /// <summary>The cases of <paramref name="file"/>.</summary>
    public static IReadOnlyList<Case> Read(string file) => Parsed.GetOrAdd(file, f => new Lazy<IReadOnlyList<Case>>(() => Parse(f))).Value;

    private static IReadOnlyList<Case> Parse(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(file));
        return document.RootElement.GetProperty("cases").EnumerateArray().Select(c => new Case(
            c.GetProperty("text").GetString()!,
            c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            c.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            c.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()!).ToArray())).ToList();
    }

    private static bool IsCaseFile(string file)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("cases", out _);
        }
        catch (JsonException)
        {
            // Not JSON at all: kept, so that its test fails and names it.
            return true;
        }
    }
}
