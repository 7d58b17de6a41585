namespace GenPipe.Tensors;

/// <summary>The built-in device: the host's CPU cores.</summary>
public static class CpuDevice
{
    /// <summary>The device name, <c>cpu</c>.</summary>
    public const string Name = "cpu";
}
