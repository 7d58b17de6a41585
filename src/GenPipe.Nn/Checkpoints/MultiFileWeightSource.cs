using GenPipe.Tensors;
using GenPipe.Tensors.SafeTensors;

namespace GenPipe.Nn.Checkpoints;

/// <summary>
/// The tensors of one or more safetensors files (the shards of one checkpoint) as one weight source; owns the files.
/// A name in two files is refused: the checkpoint would be ambiguous.
/// </summary>
public sealed class MultiFileWeightSource : IWeightSource, IDisposable
{
    private readonly SafeTensorsFile[] _files;
    private readonly Dictionary<string, SafeTensorsFile> _byName = new(StringComparer.Ordinal);

    private MultiFileWeightSource(SafeTensorsFile[] files, string description)
    {
        _files = files;
        Description = description;
        foreach (var file in files)
        {
            foreach (string name in file.Entries.Keys)
            {
                if (!_byName.TryAdd(name, file))
                {
                    throw new InvalidDataException($"Tensor '{name}' is in both {_byName[name].Path} and {file.Path}; a checkpoint's shards must not overlap.");
                }
            }
        }
    }

    /// <summary>Opens <paramref name="paths"/>; <paramref name="description"/> names the whole in messages.</summary>
    /// <exception cref="InvalidDataException">A file is a pickle, or two files hold the same tensor.</exception>
    /// <exception cref="SafeTensorsFormatException">A file is not valid safetensors.</exception>
    public static MultiFileWeightSource Open(IReadOnlyList<string> paths, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var opened = new List<SafeTensorsFile>();
        try
        {
            foreach (string path in paths)
            {
                if (PickleRefusal.IsPickle(path))
                {
                    throw PickleRefusal.For(path);
                }

                opened.Add(SafeTensorsFile.Open(path));
            }

            return new MultiFileWeightSource([.. opened], paths.Count == 1 ? paths[0] : $"{description ?? "checkpoint"} ({paths.Count} shards)");
        }
        catch
        {
            foreach (var file in opened)
            {
                file.Dispose();
            }

            throw;
        }
    }

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>The files, in the order given.</summary>
    public IReadOnlyList<string> Paths => _files.Select(f => f.Path).ToArray();

    /// <inheritdoc />
    public IEnumerable<string> Names => _byName.Keys;

    /// <summary>The number of elements of the tensors whose names start with <paramref name="prefix"/>, from the headers alone.</summary>
    public long ElementCount(string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return _byName.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(e => e.Value.Entries[e.Key].ElementCount);
    }

    /// <summary>The stored type of each tensor (to tell fp32 from fp16/bf16 checkpoints).</summary>
    public SafeTensorsDType DTypeOf(string name) => File(name).Entries[name].DType;

    /// <inheritdoc />
    public IReadOnlyList<int> GetShape(string name) => File(name).Entries[name].Shape;

    /// <inheritdoc />
    public Tensor Load(string name) => File(name).Load(name);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }

    private SafeTensorsFile File(string name) =>
        _byName.TryGetValue(name, out var file) ? file : throw new KeyNotFoundException($"{Description} has no tensor '{name}'.");
}
