using GenPipe.Tensors;
using GenPipe.Tensors.SafeTensors;

namespace GenPipe.Nn;

/// <summary>
/// The tensors of a safetensors file as weights. F32 tensors are mapped, F16/BF16 converted, by
/// <see cref="SafeTensorsFile.Load"/>; loaded tensors stay valid after the file is disposed.
/// </summary>
public sealed class SafeTensorsWeightSource : IWeightSource
{
    private readonly SafeTensorsFile _file;

    /// <summary>Reads weights from <paramref name="file"/> (not owned: the caller disposes it).</summary>
    public SafeTensorsWeightSource(SafeTensorsFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        _file = file;
    }

    /// <inheritdoc />
    public string Description => _file.Path;

    /// <inheritdoc />
    public IEnumerable<string> Names => _file.Entries.Keys;

    /// <inheritdoc />
    public IReadOnlyList<int> GetShape(string name) =>
        _file.Entries.TryGetValue(name, out var entry)
            ? entry.Shape
            : throw new KeyNotFoundException($"{_file.Path} has no tensor '{name}'.");

    /// <inheritdoc />
    public Tensor Load(string name) => _file.Load(name);
}
