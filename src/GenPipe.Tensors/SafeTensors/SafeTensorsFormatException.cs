namespace GenPipe.Tensors.SafeTensors;

/// <summary>
/// A safetensors file is broken or hostile (an <see cref="IOException"/>, since <see cref="InvalidDataException"/> is sealed): the message names the file, the tensor when one is concerned, what is
/// wrong and what would fix it.
/// </summary>
public sealed class SafeTensorsFormatException : IOException
{
    /// <summary>Creates the exception with a message.</summary>
    public SafeTensorsFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public SafeTensorsFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public SafeTensorsFormatException()
        : base("The safetensors file is not valid.")
    {
    }

    /// <summary>The file concerned, when known.</summary>
    public string? FilePath { get; init; }

    /// <summary>The tensor concerned, when one is.</summary>
    public string? TensorName { get; init; }
}
