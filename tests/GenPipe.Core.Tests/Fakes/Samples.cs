using Shouldly;
namespace GenPipe.Core.Tests.Fakes;

/// <summary>Pipeline texts the tests start from (line numbers in the comments are used by assertions).</summary>
public static class Samples
{
    /// <summary>A valid three-step pipeline: diffuse -> decode -> save.</summary>
    public const string Mixture = """
{
  "format_version": 1,
  "name": "mixture",
  "description": "two gaussians",
  "parameters": {
    "steps": { "type": "int", "default": 4, "description": "denoising steps" },
    "seed": { "type": "int", "default": 7 },
    "guidance": { "type": "float", "default": 2.5 },
    "label": { "type": "string", "default": "mix" }
  },
  "components": {
    "denoiser": { "type": "denoiser/fake", "options": { "means": [[0, 0], [3, 3]], "scale": 2 } },
    "scheduler": { "type": "scheduler/fake-ddim", "options": { "eta": 0.0 } }
  },
  "steps": [
    { "id": "latents", "op": "diffuse", "with": { "denoiser": "denoiser", "scheduler": "scheduler" },
      "in": { "steps": "$steps", "seed": "$seed", "count": 3, "guidance": "$guidance" } },
    { "id": "images", "op": "decode", "with": { "decoder": "identity" }, "in": { "latents": "@latents" } },
    { "id": "files", "op": "save", "in": { "samples": "@images", "name": "$label" } }
  ],
  "outputs": { "samples": "images", "latents": "@latents" }
}
""";

    /// <summary>The 1-based line and column where <paramref name="marker"/> first occurs in <paramref name="json"/>.</summary>
    public static (int Line, int Column) PositionOf(string json, string marker, int occurrence = 1)
    {
        int index = -1;
        for (int i = 0; i < occurrence; i++)
        {
            index = json.IndexOf(marker, index + 1, StringComparison.Ordinal);
            index.ShouldBeGreaterThanOrEqualTo(0, $"marker {marker} not found");
        }

        int line = 1 + json[..index].Count(c => c == '\n');
        int column = index - (json.LastIndexOf('\n', Math.Max(0, index - 1)) + 1) + 1;
        return (line, column);
    }
}
