namespace GenPipe.Hosting;

/// <summary>Host settings that cannot be used (a malformed <c>genpipe.json</c>, a bad memory budget). The CLI exits with code 2.</summary>
public sealed class GenPipeConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GenPipeConfigurationException()
    {
    }

    /// <summary>Creates the exception with a message that says what is wrong and how to fix it.</summary>
    public GenPipeConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public GenPipeConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a settings file.</summary>
    public GenPipeConfigurationException(string message, string? filePath, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
    }

    /// <summary>The settings file at fault, when there is one.</summary>
    public string? FilePath { get; }
}
