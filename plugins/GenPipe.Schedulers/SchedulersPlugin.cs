using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace GenPipe.Schedulers;

/// <summary>
/// The plugin entry point: registers the diffusers-compatible schedulers. Each accepts the other schedulers' config
/// keys (<see cref="ComponentDescriptor.IgnoresUnknownOptions"/>), as diffusers' <c>from_config</c> does, so a
/// pipeline can swap <c>scheduler/ddim</c> for <c>scheduler/euler</c> and keep its <c>scheduler_config.json</c>.
/// Aliases are the sampler names ComfyUI and A1111 use (<c>euler_ancestral</c>, <c>dpm_2</c>, <c>lms</c>, ...; A1111
/// capitalises them, and its k-diffusion names carry a <c>k_</c> prefix, e.g. <c>k_euler_a</c>), plus the diffusers class
/// name, so a <c>scheduler_config.json</c>'s <c>_class_name</c> resolves. A sampler name that stands for a scheduler with some options set (<c>dpmpp_2m_karras</c>: DPM-Solver++ with
/// <c>use_karras_sigmas</c>) is its own id whose options type is a subclass with those defaults: the same scheduler
/// class is created, the preset shows in <c>genpipe describe</c>, and a key set explicitly still wins.
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
        // Exponential-integrator solvers; a preset id (e.g. dpmpp_2m_karras) is an options subclass with other defaults.
        Describe<DpmSolverMultistepSchedulerOptions>(DpmSolverMultistepScheduler.ComponentId, "DPM-Solver++ multistep (Lu et al., 2022), 2M by default; diffusers' DPMSolverMultistepScheduler.", ["dpmpp_2m"], o => new DpmSolverMultistepScheduler(o)),
        Describe<DpmSolverMultistepKarrasOptions>("scheduler/dpmpp-2m-karras", "DPM-Solver++ 2M with Karras sigmas (preset of scheduler/dpmpp-multistep).", ["dpmpp_2m_karras"], o => new DpmSolverMultistepScheduler(o)),
        Describe<DpmSolverMultistepSdeOptions>("scheduler/dpmpp-2m-sde", "DPM-Solver++ 2M SDE, stochastic (preset of scheduler/dpmpp-multistep).", ["dpmpp_2m_sde"], o => new DpmSolverMultistepScheduler(o)),
        Describe<DpmSolverMultistepSdeKarrasOptions>("scheduler/dpmpp-2m-sde-karras", "DPM-Solver++ 2M SDE with Karras sigmas (preset of scheduler/dpmpp-multistep).", ["dpmpp_2m_sde_karras"], o => new DpmSolverMultistepScheduler(o)),
        Describe<DpmSolverMultistepThirdOrderOptions>("scheduler/dpmpp-3m", "DPM-Solver++ 3M (preset of scheduler/dpmpp-multistep).", ["dpmpp_3m"], o => new DpmSolverMultistepScheduler(o)),
        Describe<DpmSolverSinglestepSchedulerOptions>(DpmSolverSinglestepScheduler.ComponentId, "DPM-Solver++ singlestep (Lu et al., 2022); diffusers' DPMSolverSinglestepScheduler.", ["dpmpp_singlestep"], o => new DpmSolverSinglestepScheduler(o)),
        Describe<DpmSolverSdeSchedulerOptions>(DpmSolverSdeScheduler.ComponentId, "DPM-Solver++ SDE (k-diffusion sample_dpmpp_sde), 2n-1 model calls; stochastic (Brownian increments from the run's random source, not torchsde); diffusers' DPMSolverSDEScheduler.", ["dpmpp_sde", "k_dpmpp_sde"], o => new DpmSolverSdeScheduler(o)),
        Describe<DpmSolverSdeKarrasOptions>("scheduler/dpmpp-sde-karras", "DPM-Solver++ SDE with Karras sigmas (preset of scheduler/dpmpp-sde).", ["dpmpp_sde_karras", "k_dpmpp_sde_ka"], o => new DpmSolverSdeScheduler(o)),
        Describe<DeisMultistepSchedulerOptions>(DeisMultistepScheduler.ComponentId, "DEIS multistep (Zhang and Chen, 2023); diffusers' DEISMultistepScheduler.", ["deis"], o => new DeisMultistepScheduler(o)),
        Describe<UniPcMultistepSchedulerOptions>(UniPcMultistepScheduler.ComponentId, "UniPC predictor-corrector (Zhao et al., 2023), B(h) = e^h - 1; diffusers' UniPCMultistepScheduler.", ["uni_pc_bh2", "unipc"], o => new UniPcMultistepScheduler(o)),
        Describe<UniPcBh1Options>("scheduler/unipc-bh1", "UniPC with B(h) = h, ComfyUI's uni_pc (preset of scheduler/unipc).", ["uni_pc"], o => new UniPcMultistepScheduler(o)),
        Describe<LcmSchedulerOptions>(LcmScheduler.ComponentId, "Latent Consistency Model sampling (Luo et al., 2023); diffusers' LCMScheduler.", ["lcm"], o => new LcmScheduler(o)),
        Describe<TcdSchedulerOptions>(TcdScheduler.ComponentId, "Trajectory Consistency Distillation sampling (Zheng et al., 2024); diffusers' TCDScheduler.", ["tcd"], o => new TcdScheduler(o)),
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

        // What `genpipe inspect <scheduler>` shows.
        plugin.Services.AddSingleton<IComponentInspector, SchedulerInspector>();
    }

    private static ComponentDescriptor Describe<TOptions>(
        string id, string description, IReadOnlyList<string> aliases, Func<TOptions, IScheduler> create)
        where TOptions : class, IValidatableOptions, new() => new()
    {
        Id = id,
        ContractType = typeof(IScheduler),
        OptionsType = typeof(TOptions),
        Description = description,
        // The diffusers class name is an alias too, so a scheduler_config.json's _class_name resolves to this id.
        Aliases = DiffusersSchedulerNames.ToClassName(id) is { } className ? [.. aliases, className] : aliases,
        IgnoresUnknownOptions = true,
        // A scheduler keeps no per-run state (SetTimesteps returns a session), so concurrent runs share one.
        ConcurrentUse = true,
        Factory = (context, _) => ValueTask.FromResult<object>(create((TOptions)context.Options)),
    };
}
