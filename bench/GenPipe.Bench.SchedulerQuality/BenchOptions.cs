namespace GenPipe.Bench.SchedulerQuality;

/// <summary>The bench's settings: command-line switches over defaults that finish in a few minutes on two cores.</summary>
internal sealed record BenchOptions
{
    /// <summary>Model-evaluation budgets, as issue 3 lists them.</summary>
    public IReadOnlyList<int> Budgets { get; init; } = [4, 8, 12, 20, 50, 100, 1000];

    /// <summary>Samples per run (every scheduler starts from the same <c>count</c> noise vectors).</summary>
    public int Count { get; init; } = 4000;

    /// <summary>Seed of the diffuse step: initial noise and, for stochastic schedulers, their step noise.</summary>
    public int Seed { get; init; }

    /// <summary>Directions of the sliced Wasserstein distance.</summary>
    public int Projections { get; init; } = 128;

    /// <summary>Independent exact sample sets the generated samples are compared with (their distances are averaged).</summary>
    public int ReferenceSets { get; init; } = 4;

    /// <summary>Independent exact sample sets that measure the noise floor against the reference sets.</summary>
    public int FloorSets { get; init; } = 16;

    /// <summary>First seed of the exact sample sets (references, then floor sets), far from <see cref="Seed"/>.</summary>
    public int ExactSeed { get; init; } = 10_000;

    /// <summary>Steps of each scheduler's own converged solution, the target of the pathwise distance.</summary>
    public int ReferenceSteps { get; init; } = 1000;

    /// <summary>
    /// The <c>timestep_spacing</c> values to measure, one section each, bound where a scheduler has the key:
    /// <c>trailing</c> (every scheduler starts at the last training timestep, where pure noise belongs) and
    /// <c>default</c> (each scheduler's own default); <c>leading</c> and <c>linspace</c> are accepted too.
    /// </summary>
    public IReadOnlyList<string> Spacings { get; init; } = [TrailingSpacing, DefaultSpacing];

    public const string TrailingSpacing = "trailing";

    public const string DefaultSpacing = "default";

    /// <summary>The pipeline whose mixture (and training schedule) is measured.</summary>
    public string? PipelinePath { get; init; }

    /// <summary>Where <c>schedulers.md</c> and <c>images/scheduler-quality.svg</c> go; null: the repository's <c>docs</c>.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>True for the smoke run.</summary>
    public bool Quick { get; init; }

    /// <summary>The smoke run: few samples and budgets, written under <c>out/</c> so it never touches the docs.</summary>
    public static BenchOptions QuickRun { get; } = new()
    {
        Budgets = [4, 12, 50],
        Count = 400,
        Projections = 32,
        ReferenceSets = 2,
        FloorSets = 2,
        ReferenceSteps = 100,
        Spacings = [TrailingSpacing],
        Quick = true,
    };

    public const string Usage =
        "Usage: dotnet run -c Release --project bench/GenPipe.Bench.SchedulerQuality -- [options]\n" +
        "  --quick               smoke run (400 samples, budgets 4 12 50, 100-step reference, trailing only), written to out/scheduler-quality\n" +
        "  --count N             samples per run (default 4000)\n" +
        "  --budgets 4,8,...     model-evaluation budgets (default 4,8,12,20,50,100,1000)\n" +
        "  --seed S              seed of the diffuse step (default 0)\n" +
        "  --projections P       sliced Wasserstein directions (default 128)\n" +
        "  --reference-steps N   steps of each scheduler's converged solution (default 1000)\n" +
        "  --spacing S,...       timestep_spacing sections: trailing, leading, linspace, default (each scheduler's own);\n" +
        "                        default trailing,default\n" +
        "  --pipeline FILE       pipeline whose mixture to measure (default pipelines/gaussian-mixture.json)\n" +
        "  --out DIR             where schedulers.md and images/ go (default docs/)";

    /// <summary>Parses the command line; null with a message when it is wrong.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        var options = args.Contains("--quick") ? QuickRun : new BenchOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--quick")
            {
                continue;
            }

            if (i + 1 >= args.Count)
            {
                error = $"'{arg}' needs a value or is unknown.";
                return null;
            }

            string value = args[++i];
            try
            {
                options = arg switch
                {
                    "--count" => options with { Count = Positive(value, arg) },
                    "--seed" => options with { Seed = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
                    "--projections" => options with { Projections = Positive(value, arg) },
                    "--reference-steps" => options with { ReferenceSteps = Positive(value, arg) },
                    "--budgets" => options with { Budgets = value.Split(',').Select(v => Positive(v.Trim(), arg)).Distinct().Order().ToArray() },
                    "--spacing" => options with { Spacings = value.Split(',').Select(v => Spacing(v.Trim())).Distinct().ToArray() },
                    "--pipeline" => options with { PipelinePath = value },
                    "--out" => options with { OutputDirectory = value },
                    _ => throw new FormatException($"unknown option '{arg}'"),
                };
            }
            catch (FormatException ex)
            {
                error = ex.Message;
                return null;
            }
        }

        return options;
    }

    private static string Spacing(string value) => value is "trailing" or "leading" or "linspace" or "default"
        ? value
        : throw new FormatException($"--spacing takes trailing, leading, linspace or default, not '{value}'.");

    private static int Positive(string value, string name) =>
        int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new FormatException($"{name} takes a positive whole number, not '{value}'.");
}
