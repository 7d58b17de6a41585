namespace GenPipe.Core.Memory;

/// <summary>Components that cannot fit in the memory budget even with nothing else loaded.</summary>
public sealed class ComponentBudgetException : InvalidOperationException
{
    /// <summary>Creates the exception with the message the user sees.</summary>
    public ComponentBudgetException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ComponentBudgetException()
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public ComponentBudgetException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
