using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Diffusion.Diffusers;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Testing;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Diffusion.Tests.Diffusers;

/// <summary>The SD UNet as a denoiser component: the fixture's numbers through the contract, and where its files are found.</summary>
public sealed class UNetDenoiserTests : IDisposable
{
    internal static readonly string UNetFolder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "sd15", "unet_tiny");
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "genpipe-unet-" + Guid.NewGuid().ToString("N"));

    public UNetDenoiserTests() => Directory.CreateDirectory(_temp);

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public async Task The_component_predicts_the_fixture_output_for_a_batch_at_one_timestep()
    {
        var io = FixtureFile.Load(Path.Combine(UNetFolder, "io.safetensors"));
        using var denoiser = (UNetDenoiser)await Create(UNetFolder);

        var prediction = await denoiser.PredictAsync(
            new DenoiserInput(io.Tensor("sample"), 999f, new Conditioning(io.Tensor("encoder_hidden_states"))), CancellationToken.None);

        denoiser.PredictionType.ShouldBe(PredictionType.Epsilon);
        denoiser.SampleShape.ShouldBe([4, 16, 16]);
        float[] expected = io.Floats("t999.out");
        prediction.View.ToArray().Zip(expected, (a, e) => Math.Abs(a - e)).Max().ShouldBeLessThan(1e-4f);
        denoiser.MemoryFootprint.ShouldHaveSingleItem().Device.ShouldBe("cpu");
    }

    [Fact]
    public async Task A_model_folder_is_read_through_its_model_index_and_a_folder_of_neither_kind_is_refused()
    {
        string model = Path.Combine(_temp, "tiny-sd");
        CopyFolder(UNetFolder, Path.Combine(model, "unet"));
        File.WriteAllText(Path.Combine(model, "model_index.json"), """{ "_class_name": "StableDiffusionPipeline", "unet": ["diffusers", "UNet2DConditionModel"] }""");

        using (var denoiser = (UNetDenoiser)await Create(model))
        {
            denoiser.Model.Config.BlockOutChannels.ShouldBe([32, 64]);
        }

        long estimate = Descriptor().EstimateBytes!(Context(model));
        estimate.ShouldBe(2L * 4 * 1_106_212, "twice the float32 weights: as read, and packed for the kernels");

        string empty = Path.Combine(_temp, "empty");
        Directory.CreateDirectory(empty);
        (await Should.ThrowAsync<InvalidDataException>(() => Create(empty))).Message
            .ShouldBe($"Component 'unet' (denoiser/unet2d-condition): {empty} has neither model_index.json (a diffusers model folder) nor config.json (a unet folder).");
    }

    [Fact]
    public async Task A_single_file_checkpoint_loads_with_the_architecture_of_a_config_folder_or_else_sd15s()
    {
        var (path, _, _, _) = GenPipe.Nn.Tests.Checkpoints.TinyCheckpoint.Build(_temp);
        var io = FixtureFile.Load(Path.Combine(UNetFolder, "io.safetensors"));
        var options = new UNetDenoiserOptions { ConfigFolder = UNetFolder };

        using (var denoiser = (UNetDenoiser)await Create(path, options))
        {
            var prediction = await denoiser.PredictAsync(
                new DenoiserInput(io.Tensor("sample"), 10f, new Conditioning(io.Tensor("encoder_hidden_states"))), CancellationToken.None);
            prediction.View.ToArray().Zip(io.Floats("t10.out"), (a, e) => Math.Abs(a - e)).Max().ShouldBeLessThan(1e-4f);
        }

        Descriptor().EstimateBytes!(Context(path, options)).ShouldBe(2L * 4 * 1_106_212, "the UNet's share of the file");

        // Without a config folder the file is read as SD 1.5, which these tiny weights are not: refused before any compute.
        var refusal = await Should.ThrowAsync<InvalidDataException>(() => Create(path, new UNetDenoiserOptions()));
        refusal.InnerException.ShouldBeOfType<GenPipe.Nn.WeightBindingException>();
        refusal.Message.ShouldContain("conv_in.weight");
        refusal.Message.ShouldContain("fix: the checkpoint is not Stable Diffusion 1.5's unet architecture");
        refusal.Message.ShouldContain("config_folder");
    }

    private static ComponentDescriptor Descriptor() =>
        RecordingPluginBuilder.Configure(new DiffusionPlugin()).Component(UNetDenoiser.ComponentId);

    private static ComponentActivationContext Context(string source, UNetDenoiserOptions? options = null) => new()
    {
        Name = "unet",
        Options = options ?? new UNetDenoiserOptions(),
        SourcePath = source,
        Services = new FakeOperatorContext().Services,
    };

    private static async Task<object> Create(string source, UNetDenoiserOptions? options = null) =>
        await Descriptor().Factory(Context(source, options), CancellationToken.None);

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}

/// <summary>The shared denoiser checks (shapes, batch independence, seeds, cancellation) on the tiny SD UNet.</summary>
public sealed class UNetDenoiserConformance(ITestOutputHelper output) : DenoiserConformance(output)
{
    private static readonly FixtureFile Io = FixtureFile.Load(Path.Combine(UNetDenoiserTests.UNetFolder, "io.safetensors"));

    protected override IDenoiser Create() => UNetDenoiser.Load(UNetDenoiserTests.UNetFolder, new UNetDenoiserOptions(), TensorBackends.Cpu);

    protected override IReadOnlyList<float> Timesteps => [999f, 10f];

    // Rows of the fixture's text states, repeated to the batch: each row its own conditioning.
    protected override Conditioning? CreateConditioning(int batchSize, int seed)
    {
        var states = Io.Tensor("encoder_hidden_states");
        int length = states.Dim(1), width = states.Dim(2);
        var data = new float[batchSize * length * width];
        for (int b = 0; b < batchSize; b++)
        {
            states.View.Select(0, (b + seed) % 2).ToArray().CopyTo(data, b * length * width);
        }

        return new Conditioning(new Tensor(data, batchSize, length, width));
    }

    protected override bool ConcurrentUse =>
        RecordingPluginBuilder.Configure(new DiffusionPlugin()).Component(UNetDenoiser.ComponentId).ConcurrentUse;
}
