namespace GenPipe.Nn;

/// <summary>What a module tree holds on one device (<see cref="Module.MemoryByDevice"/>).</summary>
/// <param name="Device">The device, as its backend names it (<c>cpu</c>).</param>
/// <param name="WeightBytes">Parameters and what was prepared from them (packed matrices and convolutions).</param>
/// <param name="BufferBytes">Activation buffers kept between forwards.</param>
public readonly record struct ModuleMemory(string Device, long WeightBytes, long BufferBytes);
