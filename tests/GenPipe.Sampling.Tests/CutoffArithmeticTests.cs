using System.IO.Compression;
using System.Text.Json.Nodes;
using Shouldly;
using Xunit;

namespace GenPipe.Sampling.Tests;

/// <summary>
/// The quantities top-p and min-p cut on (softmax, running sums of the sorted softmax) agree with PyTorch's far more
/// closely than the reference's recorded margins, so no token can flip on these inputs.
/// </summary>
public sealed class CutoffArithmeticTests
{
    private static readonly JsonObject Root = Load();

    private static JsonObject Load()
    {
        using Stream file = File.OpenRead(Path.Combine(LogitsReferenceCasesAttribute.BundledFolder, "logits.json.gz"));
        using var text = new GZipStream(file, CompressionMode.Decompress);
        return (JsonObject)JsonNode.Parse(text)!;
    }

    private static JsonObject Case(string name) => (JsonObject)Root["cases"]!.AsArray().Single(c => (string?)c!["name"] == name)!;

    private static float[][] Scores => LogitsRefFile.Matrix(Root["inputs"]!["scores"]!, "$.inputs.scores");

    [Fact]
    public void Softmax_matches_pytorch_to_a_few_ulps()
    {
        float[][] expected = LogitsRefFile.Matrix(Case("min_p_0.1_min_keep_1")["probs"]!, "probs");
        double margin = Case("min_p_0.05_min_keep_1")["min_abs_margin"]!.GetValue<double>();
        foreach (var (row, r) in Scores.Select((row, r) => (row, r)))
        {
            var probabilities = new float[row.Length];
            ScoreRows.Softmax(row, probabilities);
            for (int i = 0; i < row.Length; i++)
            {
                float error = Math.Abs(probabilities[i] - expected[r][i]);
                error.ShouldBeLessThanOrEqualTo(4e-7f * expected[r][i], $"row {r}, token {i}");
                // The smallest min-p margin (1.1e-5) dwarfs the error: the same tokens survive.
                error.ShouldBeLessThan((float)margin / 100);
            }
        }
    }

    [Fact]
    public void Running_sums_of_the_sorted_softmax_match_pytorch()
    {
        float[][] expected = LogitsRefFile.Matrix(Case("top_p_0.9_min_keep_1")["cumulative_probs_sorted_ascending"]!, "cumulative");
        foreach (var (row, r) in Scores.Select((row, r) => (row, r)))
        {
            int[] order = ScoreRows.ArgsortAscending(row);
            var sorted = order.Select(i => row[i]).ToArray();
            var probabilities = new float[row.Length];
            ScoreRows.Softmax(sorted, probabilities);
            double cumulative = 0;
            for (int i = 0; i < row.Length; i++)
            {
                cumulative += probabilities[i];
                ((float)cumulative).ShouldBe(expected[r][i], 1e-6f, $"row {r}, position {i}");
            }
        }
    }
}
