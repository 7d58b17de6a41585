using System.CommandLine;

namespace GenPipe.Cli.Commands;

/// <summary>The sampling options of <c>genpipe eval</c>, checked before anything loads; <see cref="Problem"/> says what is wrong and the fix.</summary>
internal sealed record EvalOptions(
    int Count, int Batch, int Seed, EvalCondition? Condition, string Output, IReadOnlyList<string> Overrides, string? Problem)
{
    public static EvalOptions Read(
        ParseResult parsed,
        Option<string[]> set,
        Option<int?> count,
        Option<int?> batch,
        Option<string?> condition,
        Option<int?> seed,
        Option<string?> output,
        int defaultCount,
        int defaultBatch,
        string defaultOutput)
    {
        var overrides = parsed.GetValue(set) ?? [];
        EvalCondition? parsedCondition = null;
        string? problem = null;
        if (parsed.GetValue(condition) is { } conditionText)
        {
            (parsedCondition, string? conditionProblem) = EvalCondition.Parse(conditionText);
            problem = conditionProblem is null ? null : $"--condition: {conditionProblem}";
        }

        int n = parsed.GetValue(count) ?? defaultCount;
        int b = parsed.GetValue(batch) ?? defaultBatch;
        problem ??= n < 2 ? $"--count {n}: the Fréchet distance needs at least 2 samples; give --count 2 or more (1000 is the default)."
            : parsedCondition is not null && n < 10 ? $"--count {n}: with --condition the samples are split over the 10 digits; give --count 10 or more."
            : b < 1 ? $"--batch {b}: a batch draws at least one sample; give --batch 1 or more (100 is the default)."
            : null;
        int s = parsed.GetValue(seed) ?? 0;
        problem ??= (long)s + n > int.MaxValue ? $"--seed {s}: batch i runs with seed {s} + i, which passes the largest int; give a smaller seed." : null;
        string name = parsed.GetValue(output) ?? defaultOutput;
        problem ??= name.Length == 0 ? "--output: give the name of the pipeline output holding the decoded digits." : null;

        // count and seed are eval's to set per batch (and the condition's parameter per digit); a --set of them would be overridden silently.
        var owned = new List<string> { "count", "seed" };
        if (parsedCondition is not null)
        {
            owned.Add(parsedCondition.Parameter);
        }

        foreach (string text in overrides)
        {
            int eq = text.IndexOf('=', StringComparison.Ordinal);
            string key = (eq < 0 ? text : text[..eq]).Trim();
            key = key.StartsWith("parameters.", StringComparison.Ordinal) ? key["parameters.".Length..] : key;
            if (owned.Contains(key))
            {
                string instead = key switch
                {
                    "count" => "--count (the total) and --batch (per run)",
                    "seed" => "--seed (batch i runs with seed + i)",
                    _ => "--condition (it sets the parameter per digit)",
                };
                problem ??= $"--set {text}: eval sets '{key}' itself; use {instead} instead.";
            }
        }

        return new EvalOptions(n, b, s, parsedCondition, name, overrides, problem);
    }
}
