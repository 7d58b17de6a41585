using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Operators;
using GenPipe.Abstractions.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;

namespace GenPipe.Schedulers.Tests;

public sealed class SchedulersPluginTests
{
    [Fact]
    public void Registers_each_scheduler_with_its_options_aliases_and_tolerance_of_foreign_keys()
    {
        var builder = new RecordingBuilder();
        new SchedulersPlugin().Configure(builder);

        builder.Components.Select(c => c.Id).ShouldBe([
            "scheduler/ddim", "scheduler/ddpm", "scheduler/euler",
            "scheduler/dpmpp-multistep", "scheduler/dpmpp-2m-karras", "scheduler/dpmpp-2m-sde", "scheduler/dpmpp-2m-sde-karras",
            "scheduler/dpmpp-3m", "scheduler/dpmpp-singlestep", "scheduler/deis", "scheduler/unipc", "scheduler/unipc-bh1",
            "scheduler/lcm", "scheduler/tcd"]);
        builder.Components.ShouldAllBe(c => c.ContractType == typeof(IScheduler) && c.IgnoresUnknownOptions && !c.RequiresSource);
        builder.Components.Select(c => c.OptionsType).Take(3)
            .ShouldBe([typeof(DdimSchedulerOptions), typeof(DdpmSchedulerOptions), typeof(EulerDiscreteSchedulerOptions)]);
        builder.Components.Select(c => string.Join(",", c.Aliases)).ShouldBe([
            "ddim", "ddpm", "euler", "dpmpp_2m", "dpmpp_2m_karras", "dpmpp_2m_sde", "dpmpp_2m_sde_karras", "dpmpp_3m",
            "dpmpp_singlestep", "deis", "uni_pc_bh2,unipc", "uni_pc", "lcm", "tcd"]);
        builder.Components.ShouldAllBe(c => c.OptionsType.GetConstructor(Type.EmptyTypes) != null);
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
        DiffusersSchedulerNames.ToComponentId("PNDMScheduler").ShouldBeNull();
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

    private sealed class RecordingBuilder : IGenPipePluginBuilder
    {
        public List<ComponentDescriptor> Components { get; } = [];

        public IServiceCollection Services => throw new NotSupportedException("The schedulers register no services.");

        public IGenPipePluginBuilder AddComponent(ComponentDescriptor descriptor)
        {
            Components.Add(descriptor);
            return this;
        }

        public IGenPipePluginBuilder AddOperator(IPipelineOperator pipelineOperator) =>
            throw new NotSupportedException("The schedulers register no operators.");
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
