using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenPipe.Core.Imaging;
using GenPipe.Nn.Evaluation;
using GenPipe.Tensors;
using Spectre.Console;

namespace GenPipe.Cli.Commands;

/// <summary>What a <c>genpipe eval</c> run was: recorded in <c>eval.json</c> beside the numbers, so a run can be repeated.</summary>
internal sealed record EvalRun(
    string Command,
    string PipelineFile,
    string PipelineName,
    IReadOnlyList<string> Overrides,
    EvalCondition? Condition,
    string Output,
    int Count,
    int BatchSize,
    int Seed,
    IReadOnlyList<EvalBatch> Batches,
    string DataFile,
    string ClassifierFolder);

/// <summary>
/// The results of <c>genpipe eval</c>: a table (metric, value, reference) on stdout, <c>eval.json</c> with every
/// number, and <c>eval.png</c>, a grid of up to 100 samples (conditional ones in rows by digit).
/// </summary>
internal static class EvalReport
{
    public const string JsonFileName = "eval.json";
    public const string PngFileName = "eval.png";

    private const int GridColumns = 10;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void WriteTable(TextWriter output, EvalRun run, DigitsEvaluation result, TimeSpan elapsed)
    {
        var console = Terminal.For(output);
        console.WriteLine($"{run.PipelineName}: {run.Count} samples in {run.Batches.Count} batch(es), {elapsed.TotalSeconds:0.0} s" +
            (run.Condition is null ? ", unconditional" : $", {run.Condition.Parameter} = '{run.Condition.Template}' per digit"));
        var table = Terminal.NewTable("metric", "value", "reference");
        void Row(string metric, string value, string reference) => table.AddRow(Markup.Escape(metric), Markup.Escape(value), Markup.Escape(reference));

        // Short cells, so that the table fits an 80-column terminal; docs/eval.md explains each row.
        var fld = result.Fld;
        Row("FLD", F(fld.Samples, "0.00"), $"floor {F(fld.Floor, "0.00")} ({fld.FloorCount} training digits)");
        Row("FLD / floor", F(fld.Ratio, "0.00"), "1 = real digits");

        var classes = result.Classes;
        var heldOut = result.HeldOutClasses;
        if (classes.Accuracy is { } accuracy)
        {
            Row("accuracy", F(accuracy, "0.000"), $"held-out {F(heldOut.Accuracy ?? double.NaN, "0.000")}");
            Row("mean confidence", F(classes.MeanConfidence ?? double.NaN, "0.000"), $"held-out {F(heldOut.MeanConfidence ?? double.NaN, "0.000")}");
        }

        for (int digit = 0; digit < classes.Coverage.Count; digit++)
        {
            Row($"read as {digit}", F(classes.Coverage[digit], "0.000"), $"held-out {F(heldOut.Coverage[digit], "0.000")}");
        }

        Row("minimum share", $"{F(classes.MinimumShare, "0.000")} ({ArgMin(classes.Coverage)})", $"held-out {F(heldOut.MinimumShare, "0.000")}");
        Row("digits read", $"{classes.ClassesCovered} of {classes.Coverage.Count}", $"held-out {heldOut.ClassesCovered}");

        var memory = result.Memorization;
        Row("NN distance", F(memory.MedianSampleDistance, "0.00"), $"held-out {F(memory.MedianHeldOutDistance, "0.00")} (median)");
        Row("NN distance ratio", F(memory.Ratio, "0.00"), "1 = unseen real digits");
        Row("near copies", $"{F(memory.NearCopyShare, "0.000")} ({memory.NearCopies})", $"held-out 0.010 (< {F(memory.NearCopyThreshold, "0.00")})");
        Row("likelihood", "n/a", "not computed");
        console.Write(table);
    }

    public static JsonObject Json(EvalRun run, DigitsEvaluation result, TimeSpan elapsed)
    {
        var fld = result.Fld;
        var classes = result.Classes;
        var heldOut = result.HeldOutClasses;
        var memory = result.Memorization;
        return new JsonObject
        {
            ["command"] = run.Command,
            ["pipeline"] = new JsonObject
            {
                ["file"] = run.PipelineFile,
                ["name"] = run.PipelineName,
                ["overrides"] = JsonList(run.Overrides.Select(o => (JsonNode?)o)),
                ["output"] = run.Output,
            },
            ["condition"] = run.Condition is null ? null : new JsonObject
            {
                ["parameter"] = run.Condition.Parameter,
                ["template"] = run.Condition.Template,
                ["values"] = JsonList(Enumerable.Range(0, 10).Select(d => (JsonNode?)run.Condition.For(d))),
            },
            ["count"] = run.Count,
            ["batch"] = run.BatchSize,
            ["seed"] = run.Seed,
            ["batches"] = JsonList(run.Batches.Select(b => (JsonNode?)new JsonObject
            {
                ["index"] = b.Index,
                ["count"] = b.Count,
                ["seed"] = b.Seed,
                ["digit"] = b.Digit,
                ["condition"] = b.Condition,
            })),
            ["data"] = run.DataFile,
            ["classifier"] = run.ClassifierFolder,
            ["elapsed_seconds"] = Number(elapsed.TotalSeconds),
            ["fld"] = new JsonObject
            {
                ["samples_vs_held_out"] = Number(fld.Samples),
                ["floor_train_vs_held_out"] = Number(fld.Floor),
                ["ratio"] = Number(fld.Ratio),
                ["sample_count"] = fld.SampleCount,
                ["floor_count"] = fld.FloorCount,
                ["held_out_count"] = fld.HeldOutCount,
                ["floor_seed"] = fld.FloorSeed,
                ["features"] = "digits-classifier penultimate layer",
            },
            ["classes"] = new JsonObject
            {
                ["accuracy"] = Number(classes.Accuracy),
                ["mean_confidence"] = Number(classes.MeanConfidence),
                ["accuracy_per_digit"] = classes.AccuracyPerClass is null ? null : Numbers(classes.AccuracyPerClass),
                ["coverage"] = Numbers(classes.Coverage),
                ["minimum_share"] = Number(classes.MinimumShare),
                ["minimum_share_digit"] = ArgMin(classes.Coverage),
                ["digits_covered"] = classes.ClassesCovered,
                ["held_out"] = new JsonObject
                {
                    ["accuracy"] = Number(heldOut.Accuracy),
                    ["mean_confidence"] = Number(heldOut.MeanConfidence),
                    ["coverage"] = Numbers(heldOut.Coverage),
                    ["minimum_share"] = Number(heldOut.MinimumShare),
                },
            },
            ["memorization"] = new JsonObject
            {
                ["median_sample_distance"] = Number(memory.MedianSampleDistance),
                ["median_held_out_distance"] = Number(memory.MedianHeldOutDistance),
                ["ratio"] = Number(memory.Ratio),
                ["near_copy_percentile"] = MemorizationReport.NearCopyPercentile,
                ["near_copy_threshold"] = Number(memory.NearCopyThreshold),
                ["near_copies"] = memory.NearCopies,
                ["near_copy_share"] = Number(memory.NearCopyShare),
                ["distance"] = "L2 over the 784 pixels in [0, 1]",
            },
            ["likelihood"] = null,
            ["notes"] = JsonList(["Likelihoods are not computed by genpipe eval."]),
        };
    }

    /// <summary>
    /// Up to 100 samples as an image grid, 10 per row: conditional samples one row per digit (its first 10; cells of a
    /// digit with fewer stay black), unconditional ones in drawing order.
    /// </summary>
    public static RgbImage Grid(Tensor samples, IReadOnlyList<int>? requested)
    {
        int count = samples.Dim(0);
        int pixels = samples.Dim(2) * samples.Dim(3);
        var source = samples.Span;
        List<int> chosen;
        int cells;
        if (requested is null)
        {
            chosen = Enumerable.Range(0, Math.Min(count, GridColumns * GridColumns)).ToList();
            cells = chosen.Count;
        }
        else
        {
            chosen = [];
            for (int digit = 0; digit < 10; digit++)
            {
                var ofDigit = Enumerable.Range(0, count).Where(i => requested[i] == digit).Take(GridColumns).ToList();
                chosen.AddRange(ofDigit);
                chosen.AddRange(Enumerable.Repeat(-1, GridColumns - ofDigit.Count));
            }

            cells = chosen.Count;
        }

        // The grid draws [-1, 1]; the evaluated samples are in [0, 1].
        var values = new float[cells * pixels];
        Array.Fill(values, -1f);
        for (int cell = 0; cell < cells; cell++)
        {
            if (chosen[cell] < 0)
            {
                continue;
            }

            var from = source.Slice(chosen[cell] * pixels, pixels);
            for (int i = 0; i < pixels; i++)
            {
                values[(cell * pixels) + i] = (2 * from[i]) - 1;
            }
        }

        return SampleRenderer.ImageGrid(new Tensor(values, cells, 1, samples.Dim(2), samples.Dim(3)), Math.Min(GridColumns, cells));
    }

    /// <summary>Writes both files into <paramref name="folder"/> (created when missing), each through a temporary file moved into place.</summary>
    public static IReadOnlyList<string> Write(string folder, JsonObject json, RgbImage grid)
    {
        Directory.CreateDirectory(folder);
        string jsonPath = Path.Combine(folder, JsonFileName);
        string pngPath = Path.Combine(folder, PngFileName);
        string suffix = $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        string jsonTemp = jsonPath + suffix;
        string pngTemp = pngPath + suffix;
        try
        {
            File.WriteAllText(jsonTemp, json.ToJsonString(Indented) + "\n");
            using (var stream = File.Create(pngTemp))
            {
                PngWriter.Write(stream, grid, [new KeyValuePair<string, string>("Software", "genpipe eval")]);
            }

            File.Move(jsonTemp, jsonPath, overwrite: true);
            File.Move(pngTemp, pngPath, overwrite: true);
            return [jsonPath, pngPath];
        }
        finally
        {
            File.Delete(jsonTemp);
            File.Delete(pngTemp);
        }
    }

    private static string F(double value, string format) =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    private static JsonNode? Number(double? value) => value is { } v && double.IsFinite(v) ? JsonValue.Create(v) : null;

    private static JsonArray Numbers(IEnumerable<double> values) => JsonList(values.Select(v => Number(v)));

    private static JsonArray JsonList(IEnumerable<JsonNode?> items) => new(items.ToArray());

    private static int ArgMin(IReadOnlyList<double> values)
    {
        int best = 0;
        for (int i = 1; i < values.Count; i++)
        {
            best = values[i] < values[best] ? i : best;
        }

        return best;
    }
}
