using GenPipe.Abstractions.Models;
using GenPipe.Autoregressive;
using GenPipe.Core;
using GenPipe.Core.Memory;
using GenPipe.Nn.Tests.Reference;
using GenPipe.Sampling;
using GenPipe.Tensors.Backends;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace GenPipe.Embedding.Tests;

/// <summary>
/// The device named in the host's settings reaches the model, the model keeps its memory there, and the pool counts
/// it: the reference backend plays an accelerator (its own device name, its own storage, counted as it is allocated
/// and freed).
/// </summary>
public sealed class DeviceTests
{
    // Backends are registered for the whole process, once.
    private static readonly ReferenceBackend Reference = RegisterReference();

    [Fact]
    public async Task A_model_runs_on_the_configured_device_and_the_pool_counts_what_that_device_holds()
    {
        var (cpuText, _, _) = await RunFortune("cpu");
        var (deviceText, held, usage) = await RunFortune(ReferenceBackend.DeviceName);

        deviceText.ShouldBe(cpuText, "greedy decoding on the reference kernels chooses the same characters");
        held.ShouldBeGreaterThan(1L << 20, "the model's weights were copied to the device");
        (usage.UsedBytes - usage.KeptBytes).ShouldBe(held, "the pool counts exactly what the device holds");
        Reference.LiveBytes.ShouldBe(0, "disposing the engine evicted the model and freed its device memory");
    }

    private static async Task<(string Text, long DeviceBytes, ComponentPoolUsage Usage)> RunFortune(string device)
    {
        var services = new ServiceCollection();
        services.AddGenPipe(o => o.DefaultDevice = device).AddPlugin<SamplingPlugin>().AddPlugin<AutoregressivePlugin>();
        long deviceBytes;
        ComponentPoolUsage usage;
        string text;
        await using (var provider = services.BuildServiceProvider())
        {
            var engine = provider.GetRequiredService<PipelineEngine>();
            var pipeline = engine.LoadFile(
                Path.Combine(AppContext.BaseDirectory, "pipelines", "fortune.json"),
                ["seed=3", "max_tokens=24", "prompt=The ", "components.sampler.type=sampler/transformers"]);
            var result = await engine.RunAsync(pipeline, new PipelineRunOptions());
            text = ((GeneratedText)result.Outputs["text"]).Continuations.ShouldHaveSingleItem();
            deviceBytes = Reference.LiveBytes;
            usage = engine.Pool.Usage;
        }

        return (text, deviceBytes, usage);
    }

    private static ReferenceBackend RegisterReference()
    {
        var backend = new ReferenceBackend();
        TensorBackends.Register(backend);
        return backend;
    }
}
