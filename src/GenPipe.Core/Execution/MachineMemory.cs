namespace GenPipe.Core.Execution;

/// <summary>The memory this process may use when the host sets no budget.</summary>
internal static class MachineMemory
{
    /// <summary>What the GC reports as available to the process: physical memory, or the container's limit.</summary>
    public static long AvailableBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
}
