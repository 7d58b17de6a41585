using GenPipe.Abstractions.Models;
using GenPipe.Diffusion.Diffuse;
using GenPipe.Diffusion.Tests.Fakes;
using GenPipe.Testing;
using GenPipe.Tensors;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests;

/// <summary>What diffusers' pipelines do beyond text-to-image: batched guidance, its rescale, img2img, inpainting, size.</summary>
public sealed class DiffuseFeaturesTests
{
    private static readonly float[] AlphasCumprod = new GaussianMixtureDenoiser(new GaussianMixtureOptions()).AlphasCumprod.ToArray();

    [Fact]
    public async Task Guidance_calls_the_denoiser_once_per_step_with_the_batch_negative_then_positive()
    {
        var denoiser = RowDenoiser([2], (row, rows, conditioning, i) => conditioning!.Embeddings.Span[row]);
        var scheduler = new DdimTestScheduler(AlphasCumprod);
        var negative = new Conditioning(Tensor.Full(-1f, 1, 1));
        var positive = new Conditioning(Tensor.Full(2f, 1, 1));

        await new DiffuseOperator().ExecuteAsync(
            Context(denoiser, scheduler).WithInput("steps", 4).WithInput("count", 3).WithInput("guidance", 3.0)
                .WithInput("conditioning", positive).WithInput("negative", negative),
            CancellationToken.None);

        var calls = Predictions(denoiser);
        calls.Length.ShouldBe(4, "one call per step");
        foreach (var call in calls)
        {
            call.Sample.GetShape().ShouldBe([6, 2]);
            call.Sample.Slice(0, 0, 3).Contiguous().Span.ToArray().ShouldBe(call.Sample.Slice(0, 3, 3).Contiguous().Span.ToArray(), "both halves are the same samples");
            call.Conditioning!.Embeddings.Span.ToArray().ShouldBe([-1f, -1f, -1f, 2f, 2f, 2f]);
        }

        scheduler.ModelOutputs.SelectMany(o => o.Span.ToArray()).ShouldAllBe(v => v == 8f); // -1 + 3 (2 - (-1))
    }

    [Fact]
    public async Task Guidance_rescale_of_one_gives_the_guided_prediction_the_conditional_ones_standard_deviation()
    {
        // Per element e: conditional 2e, unconditional e; guided with 3: e + 3 (2e - e) = 4e, twice the conditional's
        // spread. A rescale of 1 multiplies by std(2e) / std(4e) = 1/2: back to 2e. A rescale of 0.25: 0.25 2e + 0.75 4e = 3.5e.
        foreach (var (phi, factor) in new[] { (1.0, 2f), (0.25, 3.5f) })
        {
            var denoiser = RowDenoiser([4], (row, rows, conditioning, i) => (i + 1) * conditioning!.Embeddings.Span[row]);
            var scheduler = new DdimTestScheduler(AlphasCumprod);
            await new DiffuseOperator().ExecuteAsync(
                Context(denoiser, scheduler).WithInput("steps", 2).WithInput("guidance", 3.0).WithInput("guidance_rescale", phi)
                    .WithInput("conditioning", new Conditioning(Tensor.Full(2f, 1, 1))).WithInput("negative", new Conditioning(Tensor.Full(1f, 1, 1))),
                CancellationToken.None);

            foreach (var output in scheduler.ModelOutputs)
            {
                output.Span.ToArray().ShouldBe([1 * factor, 2 * factor, 3 * factor, 4 * factor], tolerance: 1e-5);
            }
        }
    }

    [Fact]
    public async Task Image_to_image_runs_the_last_steps_times_strength_from_the_latents_noised_to_the_first_of_them()
    {
        var denoiser = RowDenoiser([2], (_, _, _, _) => 0f);
        var scheduler = new DdimTestScheduler(AlphasCumprod);
        var latents = new Tensor([0.5f, -1.5f], 1, 2);

        await new DiffuseOperator().ExecuteAsync(
            Context(denoiser, scheduler).WithInput("steps", 10).WithInput("strength", 0.55).WithInput("latents", latents).WithInput("seed", 7),
            CancellationToken.None);

        var calls = Predictions(denoiser);
        var all = scheduler.SetTimesteps(10).Timesteps;
        calls.Select(c => c.Timestep).ShouldBe(all.Skip(5).ToArray(), "floor(10 x 0.55) = 5: the last five timesteps");
        var expectedStart = scheduler.AddNoise(latents, new TorchGenerator(7).Randn([1, 2]), all[5]);
        calls[0].Sample.Span.ToArray().ShouldBe(expectedStart.Span.ToArray());
    }

    [Fact]
    public async Task Strength_that_leaves_no_step_or_has_no_latents_is_refused_before_any_call()
    {
        var denoiser = RowDenoiser([2], (_, _, _, _) => 0f);
        var tooWeak = await Should.ThrowAsync<ArgumentException>(new DiffuseOperator().ExecuteAsync(
            Context(denoiser, new DdimTestScheduler(AlphasCumprod)).WithInput("steps", 3).WithInput("strength", 0.2).WithInput("latents", Tensor.Zeros(1, 2)),
            CancellationToken.None).AsTask());
        var noLatents = await Should.ThrowAsync<ArgumentException>(new DiffuseOperator().ExecuteAsync(
            Context(denoiser, new DdimTestScheduler(AlphasCumprod)).WithInput("strength", 0.5), CancellationToken.None).AsTask());

        tooWeak.Message.ShouldBe("Step 'test': 'strength' 0.2 of 3 steps leaves no step to run (floor(steps x strength) = 0); raise 'strength' or 'steps'.");
        noLatents.Message.ShouldStartWith("Step 'test': 'strength' 0.5 changes how far the step noises its starting latents, but it has no 'latents' input");
        Predictions(denoiser).ShouldBeEmpty();
    }

    [Fact]
    public async Task Inpainting_keeps_the_masked_out_region_noised_to_each_next_timestep_and_exact_at_the_end()
    {
        var denoiser = RowDenoiser([2], (_, _, _, i) => 0.3f);
        var scheduler = new DdimTestScheduler(AlphasCumprod);
        var latents = new Tensor([0.5f, -1.5f], 1, 2);
        var mask = new Tensor([0f, 1f], 1, 2); // keep the first coordinate, repaint the second

        var result = (Tensor)await new DiffuseOperator().ExecuteAsync(
            Context(denoiser, scheduler).WithInput("steps", 5).WithInput("latents", latents).WithInput("mask", mask).WithInput("seed", 3),
            CancellationToken.None);

        var timesteps = scheduler.SetTimesteps(5).Timesteps;
        var noise = new TorchGenerator(3).Randn([1, 2]);
        var calls = Predictions(denoiser);
        calls[0].Sample.Span.ToArray().ShouldBe(noise.Span.ToArray(), "strength 1 with a mask starts from pure noise");
        for (int i = 1; i < calls.Length; i++)
        {
            calls[i].Sample.Span[0].ShouldBe(scheduler.AddNoise(latents, noise, timesteps[i]).Span[0]);
        }

        result.Span[0].ShouldBe(0.5f, "the kept region is the latents themselves after the last step");
        result.Span[1].ShouldNotBe(-1.5f);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_shared_generator_draws_in_diffusers_order_after_the_encode_steps_posterior_sample(bool masked)
    {
        // diffusers, one generator: the image's posterior sample [1, ...], the noise [count, ...], for inpainting the
        // masked image's posterior sample [1, ...], then each step's draws.
        var denoiser = RowDenoiser([3], (_, _, _, _) => 0.1f);
        var scheduler = new DdimTestScheduler(AlphasCumprod) { DrawsNoise = true };
        var latents = new Tensor([0.5f, -1.5f, 2f], 1, 3);
        var context = Context(denoiser, scheduler).WithInput("steps", 10).WithInput("strength", 0.55).WithInput("count", 2)
            .WithInput("latents", latents).WithInput("seed", 7).WithInput("shared_generator", true);
        await new DiffuseOperator().ExecuteAsync(masked ? context.WithInput("mask", new Tensor([0f, 1f, 1f], 1, 3)) : context, CancellationToken.None);

        var generator = new TorchGenerator(7);
        generator.Randn(1, 3); // the encode step's posterior sample
        var noise = generator.Randn(2, 3);
        if (masked)
        {
            generator.Randn(1, 3); // the masked image's posterior sample
        }

        var first = scheduler.SetTimesteps(10).Timesteps[5];
        var start = scheduler.AddNoise(new Tensor([0.5f, -1.5f, 2f, 0.5f, -1.5f, 2f], 2, 3), noise, first);
        Predictions(denoiser)[0].Sample.Span.ToArray().ShouldBe(start.Span.ToArray());
        scheduler.StepNoise.Count.ShouldBe(5);
        foreach (var drawn in scheduler.StepNoise)
        {
            drawn.Span.ToArray().ShouldBe(generator.Randn(2, 3).Span.ToArray());
        }
    }

    [Fact]
    public async Task A_shared_generator_without_latents_is_refused_before_any_call()
    {
        var denoiser = RowDenoiser([2], (_, _, _, _) => 0f);
        var error = await Should.ThrowAsync<ArgumentException>(new DiffuseOperator().ExecuteAsync(
            Context(denoiser, new DdimTestScheduler(AlphasCumprod)).WithInput("shared_generator", true), CancellationToken.None).AsTask());

        error.Message.ShouldStartWith("Step 'test': 'shared_generator' continues the generator that sampled the 'latents', but the step has no 'latents' input");
        Predictions(denoiser).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_mask_at_image_resolution_is_taken_at_the_latents_resolution_by_nearest_neighbour()
    {
        // Latents 1x1x2x2; an image mask 4x4 whose top-left pixel of each 2x2 block decides (PyTorch's nearest).
        var latents = new Tensor([0.5f, -1.5f, 2f, 1f], 1, 1, 2, 2);
        var latentMask = new Tensor([0f, 1f, 1f, 0f], 1, 1, 2, 2);
        var imageMask = new Tensor(
            [0f, 1f, 1f, 1f,
             1f, 1f, 1f, 1f,
             1f, 0f, 0f, 0f,
             0f, 0f, 0f, 1f], 1, 1, 4, 4);

        async Task<float[]> Run(Tensor mask) => ((Tensor)await new DiffuseOperator().ExecuteAsync(
            Context(RowDenoiser([1, 2, 2], (_, _, _, _) => 0.3f), new DdimTestScheduler(AlphasCumprod))
                .WithInput("steps", 4).WithInput("latents", latents).WithInput("mask", mask).WithInput("seed", 3),
            CancellationToken.None)).Span.ToArray();

        (await Run(imageMask)).ShouldBe(await Run(latentMask));
    }

    [Fact]
    public async Task Height_and_width_set_the_latent_size_of_image_denoisers_only()
    {
        var image = RowDenoiser([4, 8, 8], (_, _, _, _) => 0f);
        var points = RowDenoiser([2], (_, _, _, _) => 0f);

        var result = (Tensor)await new DiffuseOperator().ExecuteAsync(
            Context(image, new DdimTestScheduler(AlphasCumprod)).WithInput("steps", 1).WithInput("count", 2).WithInput("height", 3).WithInput("width", 5),
            CancellationToken.None);
        var refusal = await Should.ThrowAsync<ArgumentException>(new DiffuseOperator().ExecuteAsync(
            Context(points, new DdimTestScheduler(AlphasCumprod)).WithInput("height", 3), CancellationToken.None).AsTask());

        result.GetShape().ShouldBe([2, 4, 3, 5]);
        refusal.Message.ShouldBe("Step 'test': 'height' and 'width' set the size of image latents, but this denoiser's samples have shape [2]; leave them out.");
    }

    [Fact]
    public async Task A_step_hook_sees_every_step_and_can_cut_guidance_off_for_the_rest()
    {
        var denoiser = RowDenoiser([2], (row, rows, conditioning, i) => conditioning is null ? 0f : conditioning.Embeddings.Span[row]);
        var hook = Substitute.For<IDiffusionStepHook>();
        var seen = new List<(int Index, int Count, float Timestep)>();
#pragma warning disable CA2012 // NSubstitute's Returns configures the call; the ValueTask is never awaited here.
        hook.OnStepAsync(Arg.Any<DiffusionStep>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var step = call.Arg<DiffusionStep>();
            seen.Add((step.Index, step.Count, step.Timestep));
            if (step.Index == 1)
            {
                step.Guidance = 1; // a CFG cut-off: the remaining steps run unguided
            }

            return ValueTask.CompletedTask;
        });
#pragma warning restore CA2012
        var scheduler = new DdimTestScheduler(AlphasCumprod);

        await new DiffuseOperator().ExecuteAsync(
            Context(denoiser, scheduler).WithServices(new ServiceCollection().AddSingleton(hook).BuildServiceProvider()).WithInput("steps", 4).WithInput("guidance", 3.0)
                .WithInput("conditioning", new Conditioning(Tensor.Full(2f, 1, 1))).WithInput("negative", new Conditioning(Tensor.Full(-1f, 1, 1))),
            CancellationToken.None);

        seen.Select(s => s.Index).ShouldBe([0, 1, 2, 3]);
        seen.ShouldAllBe(s => s.Count == 4);
        seen.Select(s => s.Timestep).ShouldBe(scheduler.SetTimesteps(4).Timesteps);
        Predictions(denoiser).Select(c => c.Sample.Dim(0)).ShouldBe([2, 2, 1, 1], "guided steps batch [negative; positive], the rest do not");
        scheduler.ModelOutputs.Select(o => o.Span[0]).ShouldBe([8f, 8f, 2f, 2f]);
    }

    // A substitute denoiser whose prediction for element i of row `row` (of `rows`) is value(row, rows, conditioning, i).
    private static IDenoiser RowDenoiser(int[] sampleShape, Func<int, int, Conditioning?, int, float> value)
    {
        var denoiser = Substitute.For<IDenoiser>();
        denoiser.PredictionType.Returns(PredictionType.Epsilon);
        denoiser.SampleShape.Returns(sampleShape);
#pragma warning disable CA2012 // NSubstitute's Returns configures the call; the ValueTask is never awaited here.
        denoiser.PredictAsync(Arg.Any<DenoiserInput>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var input = call.Arg<DenoiserInput>();
            int rows = input.Sample.Dim(0);
            int size = input.Sample.Length / rows;
            var prediction = new float[input.Sample.Length];
            for (int r = 0; r < rows; r++)
            {
                for (int i = 0; i < size; i++)
                {
                    prediction[(r * size) + i] = value(r, rows, input.Conditioning, i);
                }
            }

            return ValueTask.FromResult(new Tensor(prediction, input.Sample.GetShape()));
        });
#pragma warning restore CA2012
        return denoiser;
    }

    // The inputs of the PredictAsync calls the substitute received, in order (its property reads are calls too).
    private static DenoiserInput[] Predictions(IDenoiser denoiser) => denoiser.ReceivedCalls()
        .Where(c => c.GetMethodInfo().Name == nameof(IDenoiser.PredictAsync))
        .Select(c => (DenoiserInput)c.GetArguments()[0]!)
        .ToArray();

    private static FakeOperatorContext Context(IDenoiser denoiser, IScheduler scheduler) =>
        new FakeOperatorContext(new DiffuseOperator()).WithComponent("denoiser", denoiser).WithComponent("scheduler", scheduler);
}
