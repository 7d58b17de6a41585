using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Plugins;

namespace GenPipe.Schedulers;

/// <summary>
/// The plugin entry point: registers the diffusers-compatible schedulers. Each accepts the other schedulers' config
/// keys (<see cref="ComponentDescriptor.IgnoresUnknownOptions"/>), as diffusers' <c>from_config</c> does, so a
/// pipeline can swap <c>scheduler/ddim</c> for <c>scheduler/euler</c> and keep its <c>scheduler_config.json</c>.
/// Aliases are the sampler names ComfyUI and A1111 use (<c>euler_ancestral</c>, <c>dpm_2</c>, <c>lms</c>, ...; A1111 capitalises them, and its k-diffusion names carry a <c>k_</c> prefix, e.g. <c>k_euler_a</c>).
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
        Describe<EulerAncestralDiscreteSchedulerOptions>(EulerAncestralDiscreteScheduler.ComponentId, "Euler ancestral sampling (k-diffusion); stochastic; diffusers' EulerAncestralDiscreteScheduler.", ["euler_a", "euler_ancestral", "k_euler_a"], o => new EulerAncestralDiscreteScheduler(o)),
        Describe<HeunDiscreteSchedulerOptions>(HeunDiscreteScheduler.ComponentId, "Heun's second-order method (Karras et al., 2022, Algorithm 1), 2n-1 model calls; diffusers' HeunDiscreteScheduler.", ["heun", "k_heun"], o => new HeunDiscreteScheduler(o)),
        Describe<KDpm2DiscreteSchedulerOptions>(KDpm2DiscreteScheduler.ComponentId, "DPM-Solver-2 (k-diffusion sample_dpm_2), 2n-1 model calls; diffusers' KDPM2DiscreteScheduler.", ["dpm_2", "kdpm2", "k_dpm_2"], o => new KDpm2DiscreteScheduler(o)),
        Describe<KDpm2AncestralDiscreteSchedulerOptions>(KDpm2AncestralDiscreteScheduler.ComponentId, "Ancestral DPM-Solver-2 (k-diffusion sample_dpm_2_ancestral); stochastic; diffusers' KDPM2AncestralDiscreteScheduler.", ["dpm_2_ancestral", "dpm_2_a", "kdpm2_a", "k_dpm_2_a"], o => new KDpm2AncestralDiscreteScheduler(o)),
        Describe<LmsDiscreteSchedulerOptions>(LmsDiscreteScheduler.ComponentId, "Linear multistep in sigma (k-diffusion sample_lms); diffusers' LMSDiscreteScheduler.", ["lms", "k_lms"], o => new LmsDiscreteScheduler(o)),
        Describe<PndmSchedulerOptions>(PndmScheduler.ComponentId, "Pseudo numerical methods (Liu et al., 2022): PLMS with optional Runge-Kutta warm-up; diffusers' PNDMScheduler.", ["pndm", "plms"], o => new PndmScheduler(o)),
        Describe<FlowMatchEulerDiscreteSchedulerOptions>(FlowMatchEulerDiscreteScheduler.ComponentId, "Euler for rectified-flow models (SD3, Flux) with static or dynamic shift; diffusers' FlowMatchEulerDiscreteScheduler.", ["flow_match_euler", "flowmatch_euler"], o => new FlowMatchEulerDiscreteScheduler(o)),
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
        where TOptions : class, IValidatableOptions, new() => new()
    {
        Id = id,
        ContractType = typeof(IScheduler),
        OptionsType = typeof(TOptions),
        Description = description,
        Aliases = aliases,
        IgnoresUnknownOptions = true,
        Factory = (context, _) => ValueTask.FromResult<object>(create((TOptions)context.Options)),
    };
}
