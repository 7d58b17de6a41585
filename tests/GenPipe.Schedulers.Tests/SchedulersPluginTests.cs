using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Operators;
using GenPipe.Abstractions.Plugins;
using Microsoft.Extensions.DependencyInjection;
using GenPipe.Testing;
using Shouldly;
using Xunit;

namespace GenPipe.Schedulers.Tests;

public sealed class SchedulersPluginTests
{
    [Theory]
    [InlineData("scheduler/ddim", typeof(DdimSchedulerOptions), "ddim,DDIMScheduler")]
    [InlineData("scheduler/ddpm", typeof(DdpmSchedulerOptions), "ddpm,DDPMScheduler")]
    [InlineData("scheduler/euler", typeof(EulerDiscreteSchedulerOptions), "euler,EulerDiscreteScheduler")]
    [InlineData("scheduler/euler-ancestral", typeof(EulerAncestralDiscreteSchedulerOptions), "euler_a,euler_ancestral,k_euler_a,EulerAncestralDiscreteScheduler")]
    [InlineData("scheduler/heun", typeof(HeunDiscreteSchedulerOptions), "heun,k_heun,HeunDiscreteScheduler")]
    [InlineData("scheduler/kdpm2", typeof(KDpm2DiscreteSchedulerOptions), "dpm_2,kdpm2,k_dpm_2,KDPM2DiscreteScheduler")]
    [InlineData("scheduler/kdpm2-ancestral", typeof(KDpm2AncestralDiscreteSchedulerOptions), "dpm_2_ancestral,dpm_2_a,kdpm2_a,k_dpm_2_a,KDPM2AncestralDiscreteScheduler")]
    [InlineData("scheduler/lms", typeof(LmsDiscreteSchedulerOptions), "lms,k_lms,LMSDiscreteScheduler")]
    [InlineData("scheduler/pndm", typeof(PndmSchedulerOptions), "pndm,plms,PNDMScheduler")]
    [InlineData("scheduler/flow-match-euler", typeof(FlowMatchEulerDiscreteSchedulerOptions), "flow_match_euler,flowmatch_euler,FlowMatchEulerDiscreteScheduler")]
    [InlineData("scheduler/dpmpp-multistep", typeof(DpmSolverMultistepSchedulerOptions), "dpmpp_2m,DPMSolverMultistepScheduler")]
    [InlineData("scheduler/dpmpp-2m-karras", typeof(DpmSolverMultistepKarrasOptions), "dpmpp_2m_karras")]
    [InlineData("scheduler/dpmpp-2m-sde", typeof(DpmSolverMultistepSdeOptions), "dpmpp_2m_sde")]
    [InlineData("scheduler/dpmpp-2m-sde-karras", typeof(DpmSolverMultistepSdeKarrasOptions), "dpmpp_2m_sde_karras")]
    [InlineData("scheduler/dpmpp-3m", typeof(DpmSolverMultistepThirdOrderOptions), "dpmpp_3m")]
    [InlineData("scheduler/dpmpp-singlestep", typeof(DpmSolverSinglestepSchedulerOptions), "dpmpp_singlestep,DPMSolverSinglestepScheduler")]
    [InlineData("scheduler/dpmpp-sde", typeof(DpmSolverSdeSchedulerOptions), "dpmpp_sde,k_dpmpp_sde,DPMSolverSDEScheduler")]
    [InlineData("scheduler/dpmpp-sde-karras", typeof(DpmSolverSdeKarrasOptions), "dpmpp_sde_karras,k_dpmpp_sde_ka")]
    [InlineData("scheduler/deis", typeof(DeisMultistepSchedulerOptions), "deis,DEISMultistepScheduler")]
    [InlineData("scheduler/unipc", typeof(UniPcMultistepSchedulerOptions), "uni_pc_bh2,unipc,UniPCMultistepScheduler")]
    [InlineData("scheduler/unipc-bh1", typeof(UniPcBh1Options), "uni_pc")]
    [InlineData("scheduler/lcm", typeof(LcmSchedulerOptions), "lcm,LCMScheduler")]
    [InlineData("scheduler/tcd", typeof(TcdSchedulerOptions), "tcd,TCDScheduler")]
    public void Registers_each_scheduler_with_its_options_aliases_and_tolerance_of_foreign_keys(string id, Type optionsType, string aliases)
    {
        var builder = RecordingPluginBuilder.Configure(new SchedulersPlugin());

        var component = builder.Components.Single(c => c.Id == id);
        builder.Operators.ShouldBeEmpty();
        builder.Services.ShouldHaveSingleItem().ImplementationType.ShouldBe(typeof(SchedulerInspector), "what genpipe inspect shows");
        component.ContractType.ShouldBe(typeof(IScheduler));
        component.ConcurrentUse.ShouldBeTrue("a scheduler keeps per-run state in its session");
        component.IgnoresUnknownOptions.ShouldBeTrue();
        component.RequiresSource.ShouldBeFalse();
        component.OptionsType.ShouldBe(optionsType);
        string.Join(",", component.Aliases).ShouldBe(aliases);
        component.OptionsType.GetConstructor(Type.EmptyTypes).ShouldNotBeNull();
    }

    [Fact]
    public void Every_registered_scheduler_is_covered_above() =>
        SchedulersPlugin.Descriptors.Count.ShouldBe(23);

    [Fact]
    public void Ids_and_aliases_are_unique()
    {
        var names = SchedulersPlugin.Descriptors.SelectMany(d => d.Aliases.Prepend(d.Id)).ToList();
        names.ShouldBeUnique();
    }

    [Fact]
    public async Task The_factory_builds_the_scheduler_from_bound_options()
    {
        var descriptor = SchedulersPlugin.Descriptors.Single(d => d.Id == "scheduler/euler");
        var options = new EulerDiscreteSchedulerOptions { PredictionType = "v_prediction" };
        var context = new ComponentActivationContext { Name = "scheduler", Options = options, Services = new EmptyServices() };

        var scheduler = (await descriptor.Factory(context, CancellationToken.None)).ShouldBeOfType<EulerDiscreteScheduler>();
        scheduler.Options.ShouldBeSameAs(options);
        scheduler.PredictionType.ShouldBe(PredictionType.VPrediction);
    }

    [Fact]
    public void Diffusers_class_names_map_to_registered_ids_and_back()
    {
        DiffusersSchedulerNames.ToComponentId("DDIMScheduler").ShouldBe("scheduler/ddim");
        DiffusersSchedulerNames.ToComponentId("EulerDiscreteScheduler").ShouldBe("scheduler/euler");
        DiffusersSchedulerNames.ToComponentId("ScoreSdeVeScheduler").ShouldBeNull();
        DiffusersSchedulerNames.ToComponentId("PNDMScheduler").ShouldBe("scheduler/pndm");
        DiffusersSchedulerNames.ToClassName("scheduler/ddpm").ShouldBe("DDPMScheduler");
        DiffusersSchedulerNames.All.Values.ShouldAllBe(id => SchedulersPlugin.Descriptors.Any(d => d.Id == id));
    }

    [Fact]
    public void Reference_files_are_claimed_by_class_name_or_else_by_prefix()
    {
        var ddim = new CoversSchedulerAttribute("DDIMScheduler", "ddim", "ddim_eta1");
        string dir = Directory.CreateTempSubdirectory("genpipe-refs").FullName;
        try
        {
            string named = Path.Combine(dir, "custom__case.json");
            File.WriteAllText(named, """{ "scheduler_class": "DDIMScheduler" }""");
            string prefixed = Path.Combine(dir, "ddim_eta1__sd15__eps__25.json");
            File.WriteAllText(prefixed, "{}");
            string other = Path.Combine(dir, "ddim__looks_like_ddim.json");
            File.WriteAllText(other, """{ "scheduler_class": "PNDMScheduler" }""");

            ddim.Claims(named).ShouldBeTrue();
            ddim.Claims(prefixed).ShouldBeTrue();
            ddim.Claims(other).ShouldBeFalse();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
