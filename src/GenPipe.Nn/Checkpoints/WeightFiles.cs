using System.Text.Json;
using GenPipe.Tensors.SafeTensors;

namespace GenPipe.Nn.Checkpoints;

/// <summary>
/// Finds a component's weights in a diffusers folder the way diffusers names them: <c>{base}.safetensors</c>, a
/// variant <c>{base}.{variant}.safetensors</c> (<c>diffusion_pytorch_model.fp16.safetensors</c>), or shards listed by
/// <c>{base}[.{variant}].safetensors.index.json</c>. Pickles are refused (<see cref="PickleRefusal"/>).
/// </summary>
public static class WeightFiles
{
    /// <summary>The weight file base names diffusers and transformers use.</summary>
    public static readonly IReadOnlyList<string> BaseNames = ["diffusion_pytorch_model", "model"];

    /// <summary>
    /// Opens the weights of the component in <paramref name="folder"/>. With <paramref name="variant"/> (<c>fp16</c>),
    /// the variant's files are required; without, the plain files are taken, or the only variant there is.
    /// </summary>
    /// <exception cref="FileNotFoundException">No weights; the message lists what the folder holds.</exception>
    /// <exception cref="InvalidDataException">Only pickles are there, or a shard index is malformed.</exception>
    public static MultiFileWeightSource Open(string folder, string? variant = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var files = Find(folder, variant);
        return MultiFileWeightSource.Open(files, Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)));
    }

    /// <summary>The safetensors files that hold the component's weights (several for a sharded checkpoint).</summary>
    public static IReadOnlyList<string> Find(string folder, string? variant = null)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{folder}: no such folder; a component folder holds config.json and its weights.");
        }

        string suffix = string.IsNullOrEmpty(variant) ? "" : "." + variant;
        foreach (string baseName in BaseNames)
        {
            string single = Path.Combine(folder, $"{baseName}{suffix}.safetensors");
            if (File.Exists(single))
            {
                return [single];
            }

            string index = single + ".index.json";
            if (File.Exists(index))
            {
                return Shards(index);
            }
        }

        var present = Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        if (string.IsNullOrEmpty(variant))
        {
            // Only a variant there (an fp16-only download): it is the component's weights.
            var variants = present.Where(f => BaseNames.Any(b => f!.StartsWith(b + ".", StringComparison.Ordinal)) && f!.EndsWith(".safetensors", StringComparison.Ordinal)).ToArray();
            if (variants.Length == 1)
            {
                return [Path.Combine(folder, variants[0]!)];
            }
        }

        if (present.FirstOrDefault(f => PickleRefusal.IsPickle(f!)) is { } pickle)
        {
            throw PickleRefusal.For(Path.Combine(folder, pickle));
        }

        string wanted = string.Join(" or ", BaseNames.Select(b => $"{b}{suffix}.safetensors"));
        throw new FileNotFoundException(
            $"{folder}: no weights: expected {wanted} (or its .index.json for shards); the folder holds {(present.Length == 0 ? "nothing" : string.Join(", ", present))}." +
            (string.IsNullOrEmpty(variant) ? "" : $" Leave out the variant '{variant}' to use the plain files."));
    }

    // A shard index: {"weight_map": {"tensor": "file-00001-of-00002.safetensors", ...}}.
    private static string[] Shards(string index)
    {
        string folder = Path.GetDirectoryName(index)!;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(index));
            if (!document.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{index}: no \"weight_map\" object; a shard index maps each tensor name to its file.");
            }

            var files = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                string file = entry.Value.GetString() ?? "";
                if (file.Length == 0 || Path.GetFileName(file) != file)
                {
                    throw new InvalidDataException($"{index}: weight_map.{entry.Name} is '{file}'; it must be a file name in the same folder.");
                }

                files.Add(file);
            }

            return files.Select(f => PickleRefusal.IsPickle(f) ? throw PickleRefusal.For(Path.Combine(folder, f)) : Path.Combine(folder, f)).ToArray();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{index}: not a valid shard index ({ex.Message}).", ex);
        }
    }
}
