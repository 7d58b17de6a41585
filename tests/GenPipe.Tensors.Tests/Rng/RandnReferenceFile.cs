using System.Text.Json;

namespace GenPipe.Tensors.Tests.Rng;

/// <summary>One reference file of successive <c>torch.randn</c> draws on a single seeded generator.</summary>
internal sealed record RandnReferenceFile(
    string Path, long Seed, TorchNormalKernel Kernel, IReadOnlyList<(int[] Shape, float[] Values)> Draws)
{
    public static RandnReferenceFile Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        var seedElement = root.GetProperty("seed");

        // Seeds above long.MaxValue are torch's unsigned 64-bit seeds: keep their bits.
        long seed = seedElement.TryGetInt64(out long signed) ? signed : unchecked((long)seedElement.GetUInt64());
        var draws = root.GetProperty("draws").EnumerateArray()
            .Select(d => (ReadInts(d.GetProperty("shape")), ReadFloats(d.GetProperty("values"))))
            .ToList();
        return new RandnReferenceFile(path, seed, KernelOf(root, path), draws);
    }

    /// <summary>The torch kernel that made the file, from its "cpu_capability" (files without one came from AVX2).</summary>
    private static TorchNormalKernel KernelOf(JsonElement root, string path)
    {
        if (!root.TryGetProperty("cpu_capability", out var capability))
        {
            return TorchNormalKernel.Avx2;
        }

        return capability.GetString() switch
        {
            "AVX2" => TorchNormalKernel.Avx2,
            "NO AVX" or "DEFAULT" => TorchNormalKernel.Portable,

            // Torch's source sends AVX-512 dispatch through the portable kernel; no fixture has confirmed it yet.
            "AVX512" => TorchNormalKernel.Portable,
            var other => throw new InvalidDataException($"{path}: unknown cpu_capability '{other}' (expected AVX2, NO AVX or AVX512)."),
        };
    }

    public static float[] ReadFloats(JsonElement array) => array.EnumerateArray().Select(v => v.GetSingle()).ToArray();

    public static int[] ReadInts(JsonElement array) => array.EnumerateArray().Select(v => v.GetInt32()).ToArray();
}
