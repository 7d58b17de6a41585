namespace GenPipe.Abstractions.Components;

/// <summary>What a component factory receives.</summary>
public sealed class ComponentActivationContext
{
    /// <summary>The name the pipeline gives this component (the key under <c>components</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The bound options, an instance of <see cref="ComponentDescriptor.OptionsType"/>.</summary>
    public required object Options { get; init; }

    /// <summary>The absolute path of the component's <c>source</c>, or null when the pipeline gives none.</summary>
    public string? SourcePath { get; init; }

    /// <summary>The host's services.</summary>
    public required IServiceProvider Services { get; init; }

    /// <summary>
    /// The device the component should put its weights on and run on (<c>--device</c>, the <c>DefaultDevice</c>
    /// setting), checked at start to have a backend.
    /// </summary>
    public string Device { get; init; } = GenPipe.Tensors.CpuDevice.Name;

    /// <summary>The tensor backend of <see cref="Device"/>: allocate and compute through it, not a backend of your choosing.</summary>
    public GenPipe.Tensors.Backends.ITensorBackend Backend => GenPipe.Tensors.Backends.TensorBackends.Get(Device);
}
