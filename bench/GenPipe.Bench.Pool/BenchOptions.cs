using System.Globalization;

namespace GenPipe.Bench.Pool;

/// <summary>What one run measures and where it writes; <c>--quick</c> shrinks everything to a smoke run of seconds.</summary>
internal sealed record BenchOptions
{
    public const string Usage =
        "usage: dotnet run -c Release --project bench/GenPipe.Bench.Pool -- [--quick] [--out FILE] [--no-docs] [--pairs N] " +
        "[--count N] [--steps N] [--lease-calls N] [--model-reps N] [--seconds S] [--budget SIZE] [--swap-budget SIZE]";

    public bool Quick { get; init; }

    /// <summary>The markdown file whose <c>pool-bench</c> section is rewritten; null: docs/performance.md (out/ for --quick).</summary>
    public string? OutputFile { get; init; }

    public bool WriteDocs { get; init; } = true;

    /// <summary>Interleaved pipeline/hand-loop pairs, one seed each.</summary>
    public int Pairs { get; init; } = 15;

    public int Count { get; init; } = 20000;

    public int Steps { get; init; } = 50;

    /// <summary>Acquire+release calls per timed batch (9 batches per case).</summary>
    public int LeaseCalls { get; init; } = 20000;

    public int ModelReps { get; init; } = 9;

    /// <summary>How long the three pipelines run concurrently.</summary>
    public double Seconds { get; init; } = 6;

    /// <summary>The pool's budget while the three pipelines run: less than their models together (7.55 MiB).</summary>
    public string Budget { get; init; } = "14.5MB";

    /// <summary>
    /// The budget of the load/evict/reload measurement, which must hold one copy of models/fortune and not two; null:
    /// 1.5 times what the pool counts for the loaded model, measured first.
    /// </summary>
    public string? SwapBudget { get; init; }

    public static BenchOptions QuickDefaults { get; } = new()
    {
        Quick = true,
        Pairs = 3,
        Count = 2000,
        Steps = 10,
        LeaseCalls = 2000,
        ModelReps = 2,
        Seconds = 1,
    };

    /// <summary>The options <paramref name="args"/> give, or null with <paramref name="error"/> set.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        var options = args.Contains("--quick") ? QuickDefaults : new BenchOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--quick")
            {
                continue;
            }

            if (arg == "--no-docs")
            {
                options = options with { WriteDocs = false };
                continue;
            }

            if (i + 1 >= args.Count)
            {
                error = $"{arg}: unknown option, or its value is missing.";
                return null;
            }

            string value = args[++i];
            try
            {
                options = arg switch
                {
                    "--out" => options with { OutputFile = value },
                    "--pairs" => options with { Pairs = Positive(value) },
                    "--count" => options with { Count = Positive(value) },
                    "--steps" => options with { Steps = Positive(value) },
                    "--lease-calls" => options with { LeaseCalls = Positive(value) },
                    "--model-reps" => options with { ModelReps = Positive(value) },
                    "--seconds" => options with { Seconds = double.Parse(value, CultureInfo.InvariantCulture) },
                    "--budget" => options with { Budget = value },
                    "--swap-budget" => options with { SwapBudget = value },
                    _ => throw new FormatException($"{arg}: unknown option."),
                };
            }
            catch (FormatException ex)
            {
                error = ex.Message.StartsWith("--", StringComparison.Ordinal) ? ex.Message : $"{arg} {value}: {ex.Message}";
                return null;
            }
        }

        return options;
    }

    private static int Positive(string value)
    {
        int n = int.Parse(value, CultureInfo.InvariantCulture);
        return n >= 1 ? n : throw new FormatException("must be at least 1.");
    }
}
