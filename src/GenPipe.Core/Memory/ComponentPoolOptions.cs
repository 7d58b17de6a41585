namespace GenPipe.Core.Memory;

/// <summary>Settings of a <see cref="ComponentPool"/>.</summary>
public sealed class ComponentPoolOptions
{
    /// <summary>The budget in bytes (<c>--memory-budget</c>); null: the memory available to the process.</summary>
    public long? BudgetBytes { get; init; }

    /// <summary>The device components are created for (<c>--device</c>); it reaches them in their activation context.</summary>
    public string Device { get; init; } = GenPipe.Tensors.CpuDevice.Name;
}
