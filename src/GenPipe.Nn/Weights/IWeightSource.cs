using GenPipe.Tensors;

namespace GenPipe.Nn;

/// <summary>Named tensors a model's weights are bound from: a safetensors file, a dictionary, a checkpoint.</summary>
public interface IWeightSource
{
    /// <summary>Where the weights come from (a file name), for error messages.</summary>
    string Description { get; }

    /// <summary>The names of every tensor the source holds.</summary>
    IEnumerable<string> Names { get; }

    /// <summary>The shape of tensor <paramref name="name"/>, without loading it.</summary>
    /// <exception cref="KeyNotFoundException">The source has no such tensor.</exception>
    IReadOnlyList<int> GetShape(string name);

    /// <summary>Loads tensor <paramref name="name"/> as float32.</summary>
    /// <exception cref="KeyNotFoundException">The source has no such tensor.</exception>
    Tensor Load(string name);
}
