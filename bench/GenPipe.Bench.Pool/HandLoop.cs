using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Core;
using GenPipe.Diffusion.Diffuse;
using GenPipe.Tensors;

namespace GenPipe.Bench.Pool;

/// <summary>
/// The diffuse step written by hand, as an app without GenPipe's engine would: the same scheduler and denoiser (made by
/// the descriptors the plugins registered, from the options the pipeline bound) and the loop of
/// <see cref="DiffuseOperator"/>, without guidance (the pipeline has no conditioning).
/// </summary>
internal sealed class HandLoop(IDenoiser denoiser, IScheduler scheduler, int steps, int count)
{
    /// <summary>Creates the components of <paramref name="pipeline"/>'s diffuse step outside any pool.</summary>
    public static async Task<HandLoop> CreateAsync(CompiledPipeline pipeline, IServiceProvider services, int steps, int count, CancellationToken cancellationToken)
    {
        var step = pipeline.Steps.Single(s => s.OperatorName == DiffuseOperator.OperatorName);
        var denoiser = (IDenoiser)await CreateAsync(step.Components["denoiser"], services, cancellationToken).ConfigureAwait(false);
        var scheduler = (IScheduler)await CreateAsync(step.Components["scheduler"], services, cancellationToken).ConfigureAwait(false);
        return new HandLoop(denoiser, scheduler, steps, count);
    }

    /// <summary>Draws <c>count</c> samples from noise seeded with <paramref name="seed"/>.</summary>
    public async Task<Tensor> RunAsync(int seed, CancellationToken cancellationToken)
    {
        var session = scheduler.SetTimesteps(steps);
        var generator = new TorchGenerator(seed);
        var x = generator.Randn([count, .. denoiser.SampleShape]).Multiply(session.InitNoiseSigma);
        var timesteps = session.Timesteps;
        for (int i = 0; i < timesteps.Count; i++)
        {
            float t = timesteps[i];
            var modelInput = session.ScaleModelInput(x, t);
            var prediction = await denoiser.PredictAsync(new DenoiserInput(modelInput, t), cancellationToken).ConfigureAwait(false);
            x = session.Step(prediction, t, x, generator).PrevSample;
        }

        return x;
    }

    private static async Task<object> CreateAsync(PipelineComponent component, IServiceProvider services, CancellationToken cancellationToken)
    {
        var context = new ComponentActivationContext
        {
            Name = component.Name,
            Options = component.Options,
            SourcePath = component.SourcePath,
            Services = services,
        };
        return await component.Descriptor.Factory(context, cancellationToken).ConfigureAwait(false);
    }
}
