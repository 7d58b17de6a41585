using System.Text.Json;
using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Shouldly;
using Xunit;

namespace GenPipe.Schedulers.Tests;

/// <summary>Preset ids (ComfyUI names that stand for a scheduler with options set) and their binding.</summary>
public sealed class SchedulerPresetTests
{
    [Theory]
    [InlineData("dpmpp_2m", "dpmsolver++", 2, false)]
    [InlineData("dpmpp_2m_karras", "dpmsolver++", 2, true)]
    [InlineData("dpmpp_2m_sde", "sde-dpmsolver++", 2, false)]
    [InlineData("dpmpp_2m_sde_karras", "sde-dpmsolver++", 2, true)]
    [InlineData("dpmpp_3m", "dpmsolver++", 3, false)]
    public async Task Dpmpp_aliases_create_the_multistep_solver_with_their_preset(string alias, string algorithm, int order, bool karras)
    {
        var descriptor = SchedulersPlugin.Descriptors.Single(d => d.Aliases.Contains(alias));
        var options = (DpmSolverMultistepSchedulerOptions)Activator.CreateInstance(descriptor.OptionsType)!;
        options.AlgorithmType.ShouldBe(algorithm);
        options.SolverOrder.ShouldBe(order);
        options.UseKarrasSigmas.ShouldBe(karras);
        var scheduler = await Build(descriptor, options);
        scheduler.ShouldBeOfType<DpmSolverMultistepScheduler>().Id.ShouldBe(DpmSolverMultistepScheduler.ComponentId);
    }

    [Fact]
    public void An_explicit_key_overrides_the_preset()
    {
        var options = JsonSerializer.Deserialize<DpmSolverMultistepKarrasOptions>(
            """{ "use_karras_sigmas": false, "solver_order": 3 }""", SchedulerConfigJson.SerializerOptions)!;
        options.UseKarrasSigmas.ShouldBeFalse();
        options.SolverOrder.ShouldBe(3);
        new DpmSolverMultistepKarrasOptions().UseKarrasSigmas.ShouldBeTrue();
    }

    [Fact]
    public void Karras_preset_matches_the_karras_reference_schedule()
    {
        // dpmpp_2m_karras__sd15_*: timesteps recomputed from the Karras sigmas (spacing ignored).
        var session = new DpmSolverMultistepScheduler(new DpmSolverMultistepKarrasOptions
        {
            BetaSchedule = "scaled_linear", BetaStart = 0.00085, BetaEnd = 0.012,
        }).SetTimesteps(10);
        session.Timesteps.ShouldBe([999f, 916, 815, 687, 523, 327, 146, 41, 7, 0]);
        session.Sigmas![0].ShouldBe(14.614645f, 1e-5f);
        session.Sigmas[^1].ShouldBe(0f);
    }

    [Fact]
    public void Uni_pc_is_bh1_as_in_comfyui_and_uni_pc_bh2_is_the_diffusers_default()
    {
        var bh1 = SchedulersPlugin.Descriptors.Single(d => d.Aliases.Contains("uni_pc"));
        ((UniPcMultistepSchedulerOptions)Activator.CreateInstance(bh1.OptionsType)!).SolverType.ShouldBe("bh1");
        var bh2 = SchedulersPlugin.Descriptors.Single(d => d.Aliases.Contains("uni_pc_bh2"));
        ((UniPcMultistepSchedulerOptions)Activator.CreateInstance(bh2.OptionsType)!).SolverType.ShouldBe("bh2");
    }

    [Fact]
    public void Lambda_min_clipped_binds_from_python_infinity_strings()
    {
        var options = JsonSerializer.Deserialize<DpmSolverMultistepSchedulerOptions>(
            """{ "lambda_min_clipped": "-inf" }""", SchedulerConfigJson.SerializerOptions)!;
        options.LambdaMinClipped.ShouldBe(double.NegativeInfinity);
        JsonSerializer.Deserialize<DpmSolverMultistepSchedulerOptions>(
            """{ "lambda_min_clipped": -5.1 }""", SchedulerConfigJson.SerializerOptions)!.LambdaMinClipped.ShouldBe(-5.1);
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize<DpmSolverMultistepSchedulerOptions>(
            """{ "lambda_min_clipped": "minus lots" }""", SchedulerConfigJson.SerializerOptions));
    }

    [Fact]
    public void Lambda_min_clipped_cuts_the_noisiest_timesteps()
    {
        // Cosine schedule: lambda at the last training steps is far below -5.1 (the value guided-diffusion configs use).
        var clipped = new DpmSolverMultistepScheduler(new DpmSolverMultistepSchedulerOptions
        {
            BetaSchedule = "squaredcos_cap_v2", LambdaMinClipped = -5.1,
        }).SetTimesteps(10).Timesteps;
        var full = new DpmSolverMultistepScheduler(new DpmSolverMultistepSchedulerOptions { BetaSchedule = "squaredcos_cap_v2" })
            .SetTimesteps(10).Timesteps;
        full[0].ShouldBe(999f); // linspace(0, 999, 11) descending, without the 0
        clipped[0].ShouldBeLessThan(full[0]);
    }

    private static async Task<object> Build(ComponentDescriptor descriptor, object options)
    {
        var context = new ComponentActivationContext { Name = "scheduler", Options = options, Services = new EmptyServices() };
        return await descriptor.Factory(context, CancellationToken.None);
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
