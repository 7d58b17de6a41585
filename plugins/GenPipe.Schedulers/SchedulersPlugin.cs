using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Plugins;

namespace GenPipe.Schedulers;

/// <summary>
/// The plugin entry point: registers the diffusers-compatible schedulers. Each accepts the other schedulers' config
/// keys (<see cref="ComponentDescriptor.IgnoresUnknownOptions"/>), as diffusers' <c>from_config</c> does, so a
/// pipeline can swap <c>scheduler/ddim</c> for <c>scheduler/euler</c> and keep its <c>scheduler_config.json</c>.
/// Aliases are the sampler names ComfyUI and A1111 use (<c>euler</c>, <c>ddim</c>, <c>ddpm</c>; A1111 capitalises them).
/// </summary>
public sealed class SchedulersPlugin : IGenPipePlugin
{
    /// <summary>The component descriptors this plugin registers.</summary>
    public static IReadOnlyList<ComponentDescriptor> Descriptors { get; } =
    [
        Describe<DdimSchedulerOptions>(
            DdimScheduler.ComponentId,
            "DDIM (Song et al., 2021): deterministic with eta = 0, stochastic with eta > 0; diffusers' DDIMScheduler.",
            ["ddim"],
            o => new DdimScheduler(o)),
        Describe<DdpmSchedulerOptions>(
            DdpmScheduler.ComponentId,
            "DDPM ancestral sampling (Ho et al., 2020) over the inference timesteps; diffusers' DDPMScheduler.",
            ["ddpm"],
            o => new DdpmScheduler(o)),
        Describe<EulerDiscreteSchedulerOptions>(
            EulerDiscreteScheduler.ComponentId,
            "Euler on the sigma-parameterised ODE (Karras et al., 2022); diffusers' EulerDiscreteScheduler.",
            ["euler"],
            o => new EulerDiscreteScheduler(o)),
    ];

    /// <inheritdoc />
    public void Configure(IGenPipePluginBuilder plugin)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        foreach (var descriptor in Descriptors)
        {
            plugin.AddComponent(descriptor);
        }
    }

    private static ComponentDescriptor Describe<TOptions>(
        string id, string description, IReadOnlyList<string> aliases, Func<TOptions, IScheduler> create)
        where TOptions : SchedulerOptions, new() => new()
    {
        Id = id,
        ContractType = typeof(IScheduler),
        OptionsType = typeof(TOptions),
        Description = description,
        // The diffusers class name is an alias too, so a scheduler_config.json's _class_name resolves to this id.
        Aliases = DiffusersSchedulerNames.ToClassName(id) is { } className ? [.. aliases, className] : aliases,
        IgnoresUnknownOptions = true,
        Factory = (context, _) => ValueTask.FromResult<object>(create((TOptions)context.Options)),
    };
}
