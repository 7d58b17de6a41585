using System.IO.Compression;
using System.Text.Json;

namespace GenPipe.Diffusion.Tests.Refs;

/// <summary>Reference numbers copied into the test project (see Refs/*.json.gz for their provenance).</summary>
internal static class ReferenceData
{
    /// <summary>diffusers' alphas_cumprod for Stable Diffusion's schedule (1000, 0.00085, 0.012, scaled_linear).</summary>
    public static float[] StableDiffusionAlphasCumprod { get; } = LoadAlphasCumprod();

    private static float[] LoadAlphasCumprod()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Refs", "alphas_cumprod_sd15.json.gz");
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var document = JsonDocument.Parse(gzip);
        return document.RootElement.GetProperty("alphas_cumprod").EnumerateArray().Select(e => e.GetSingle()).ToArray();
    }
}
