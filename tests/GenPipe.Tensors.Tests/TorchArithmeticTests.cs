using System.IO.Compression;
using System.Text.Json;
using Shouldly;
using Xunit;

namespace GenPipe.Tensors.Tests;

/// <summary>
/// Against PyTorch 1.13 itself (tools/fixtures/make_schedule_refs.py): betas = linspace (over square roots, then
/// squared, for Stable Diffusion's scaled_linear) and alphas_cumprod = cumprod(1 - betas), bit for bit.
/// </summary>
public sealed class TorchArithmeticTests
{
    public static TheoryData<string> Cases() => new(Load().Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Linspace_and_cumprod_match_torch_bit_for_bit(string name)
    {
        var c = Load()[name];
        float start = c.Scaled ? (float)Math.Sqrt(c.BetaStart) : (float)c.BetaStart;
        float end = c.Scaled ? (float)Math.Sqrt(c.BetaEnd) : (float)c.BetaEnd;
        float[] betas = TorchArithmetic.Linspace(start, end, c.Steps);
        if (c.Scaled)
        {
            betas = Array.ConvertAll(betas, b => b * b);
        }

        betas.ShouldBe(c.Betas);
        TorchArithmetic.CumulativeProduct(Array.ConvertAll(betas, b => 1f - b)).ShouldBe(c.AlphasCumprod);
    }

    [Fact]
    public void Linspace_of_one_step_is_the_start() => TorchArithmetic.Linspace(0.25f, 9f, 1).ShouldBe([0.25f]);

    private static Dictionary<string, Case> Load()
    {
        using var file = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Refs", "torch_schedules.json.gz"));
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var doc = JsonDocument.Parse(gzip);
        return doc.RootElement.GetProperty("cases").EnumerateObject().ToDictionary(
            p => p.Name,
            p => new Case(
                p.Value.GetProperty("beta_start").GetDouble(),
                p.Value.GetProperty("beta_end").GetDouble(),
                p.Value.GetProperty("steps").GetInt32(),
                p.Value.GetProperty("scaled").GetBoolean(),
                [.. p.Value.GetProperty("betas").EnumerateArray().Select(v => (float)v.GetDouble())],
                [.. p.Value.GetProperty("alphas_cumprod").EnumerateArray().Select(v => (float)v.GetDouble())]));
    }

    private sealed record Case(double BetaStart, double BetaEnd, int Steps, bool Scaled, float[] Betas, float[] AlphasCumprod);
}
