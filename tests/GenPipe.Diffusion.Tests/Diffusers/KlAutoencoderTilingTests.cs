using GenPipe.Core;
using GenPipe.Core.Catalog;
using GenPipe.Core.Operators;
using GenPipe.Diffusion.Diffusers;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Testing;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests.Diffusers;

/// <summary>
/// <c>autoencoder/kl</c>'s tiling and slicing options on the tiny fixture VAE (2 pixels per latent, sample_size 32):
/// <c>auto</c> is untiled (exact) up to twice the tile size a side and tiled above, <c>on</c> tiles past one tile,
/// <c>off</c> never; bad values are refused at their JSON path before anything loads.
/// </summary>
public sealed class KlAutoencoderTilingTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Fixtures", "sd15", "vae_kl_tiny");

    [Fact]
    public void Defaults_are_auto_tiling_at_the_vae_sample_size_and_slicing()
    {
        var options = new KlAutoencoderOptions();
        options.Tiling.ShouldBe(KlAutoencoderTiling.Auto);
        options.TileSize.ShouldBe(0);
        options.Slicing.ShouldBeTrue();
        options.Validate().ShouldBeEmpty();

        using var vae = KlAutoencoder.Open("vae", Folder, options, TensorBackends.Cpu);
        vae.TileSize.ShouldBe(32);
        vae.Model.Slicing.ShouldBeTrue();
        vae.Tiles(64, 64).ShouldBeFalse();
        vae.Tiles(66, 8).ShouldBeTrue();

        using var on = Open(KlAutoencoderTiling.On, 40);
        on.Tiles(40, 40).ShouldBeFalse();
        on.Tiles(40, 48).ShouldBeTrue();
        using var off = Open(KlAutoencoderTiling.Off, 0);
        off.Tiles(4096, 4096).ShouldBeFalse();
    }

    [Fact]
    public async Task Auto_is_exact_up_to_twice_the_tile_and_tiles_larger_images_as_on_does()
    {
        using var auto = Open(KlAutoencoderTiling.Auto, 0);
        using var on = Open(KlAutoencoderTiling.On, 0);
        using var off = Open(KlAutoencoderTiling.Off, 0);

        // 32x32 latents are 64x64 pixels, twice the tile: auto decodes them whole; 34x34 (68 pixels) in tiles.
        var small = new TorchGenerator(1).Randn(2, 4, 32, 32);
        var (autoSmall, onSmall, offSmall) = (await Decode(auto, small), await Decode(on, small), await Decode(off, small));
        autoSmall.ShouldBe(offSmall);
        AutoencoderKLDifference(onSmall, offSmall).ShouldBeGreaterThan(1e-3, "on tiles 64 pixels");
        var large = new TorchGenerator(2).Randn(1, 4, 34, 34);
        var (autoLarge, offLarge) = (await Decode(auto, large), await Decode(off, large));
        autoLarge.ShouldBe(await Decode(on, large));
        AutoencoderKLDifference(autoLarge, offLarge).ShouldBeGreaterThan(1e-3, "auto tiles 68 pixels");

        // Encoding decides on the image's own size.
        var picture = new TorchGenerator(3).Randn(1, 3, 72, 64);
        float[] autoMean = await EncodeMean(auto, picture);
        autoMean.ShouldBe(await EncodeMean(on, picture));
        AutoencoderKLDifference(autoMean, await EncodeMean(off, picture)).ShouldBeGreaterThan(1e-3);
        var square = picture.Slice(2, 0, 64).Contiguous();
        (await EncodeMean(auto, square)).ShouldBe(await EncodeMean(off, square));
    }

    [Fact]
    public async Task Slicing_off_gives_the_same_numbers_as_slicing_on()
    {
        var latents = new TorchGenerator(4).Randn(3, 4, 16, 16);
        using var sliced = KlAutoencoder.Open("vae", Folder, new KlAutoencoderOptions(), TensorBackends.Cpu);
        using var batched = KlAutoencoder.Open("vae", Folder, new KlAutoencoderOptions { Slicing = false }, TensorBackends.Cpu);
        batched.Model.Slicing.ShouldBeFalse();
        (await Decode(sliced, latents)).ShouldBe(await Decode(batched, latents));
    }

    [Fact]
    public void A_tile_size_the_vae_cannot_use_is_refused_naming_the_option()
    {
        new KlAutoencoderOptions { TileSize = 30 }.Validate().ShouldHaveSingleItem().Key.ShouldBe("tile_size");
        new KlAutoencoderOptions { TileSize = 36 }.Validate().ShouldBeEmpty();

        // 36 is a multiple of 4 but this VAE (2 pixels per latent) needs 8: known once its config is read.
        var refused = Should.Throw<ArgumentException>(() => Open(KlAutoencoderTiling.On, 36));
        refused.Message.ShouldContain("options.tile_size is 36");
        refused.Message.ShouldContain("multiple of 8");
    }

    [Fact]
    public void Bad_tiling_options_in_a_pipeline_are_reported_at_their_json_paths_before_anything_loads()
    {
        string pipeline = $$"""
            {
              "components": { "vae": { "type": "autoencoder/kl", "source": {{System.Text.Json.JsonSerializer.Serialize(Folder)}},
                                       "options": { "tiling": "sometimes", "tile_size": 30, "slicing": "yes" } } },
              "steps": [ { "id": "latents", "op": "encode", "with": { "encoder": "vae" }, "in": { "data": [[0.5]] } } ],
              "outputs": { "latents": "latents" }
            }
            """;
        using var engine = new PipelineEngine(Catalog(), new ServiceCollection().BuildServiceProvider());

        var invalid = Should.Throw<PipelineValidationException>(() => engine.Load(pipeline, "tiling.json", null));

        invalid.Message.ShouldContain("$.components.vae.options.tiling");
        invalid.Message.ShouldContain("\"auto\", \"on\", \"off\"");
        invalid.Message.ShouldContain("$.components.vae.options.slicing");

        // With the types right, the tile size's own check.
        invalid = Should.Throw<PipelineValidationException>(() => engine.Load(
            pipeline.Replace("\"sometimes\"", "\"on\"", StringComparison.Ordinal).Replace("\"yes\"", "true", StringComparison.Ordinal), "tiling.json", null));
        invalid.Message.ShouldContain("$.components.vae.options.tile_size");
        invalid.Message.ShouldContain("multiple of 4");
    }

    private static KlAutoencoder Open(KlAutoencoderTiling tiling, int tileSize) =>
        KlAutoencoder.Open("vae", Folder, new KlAutoencoderOptions { Tiling = tiling, TileSize = tileSize }, TensorBackends.Cpu);

    private static async Task<float[]> Decode(KlAutoencoder vae, Tensor latents) =>
        (await vae.DecodeAsync(latents, CancellationToken.None)).View.ToArray();

    private static async Task<float[]> EncodeMean(KlAutoencoder vae, Tensor image) =>
        ((GenPipe.Abstractions.Models.GaussianLatent)await vae.EncodeAsync(image, CancellationToken.None)).Mean.View.ToArray();

    private static double AutoencoderKLDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();

    private static ComponentCatalog Catalog()
    {
        var builder = new ComponentCatalogBuilder();
        var diffusion = RecordingPluginBuilder.Configure(new DiffusionPlugin());
        foreach (var descriptor in diffusion.Components)
        {
            builder.AddComponent(descriptor, CatalogSource.BuiltIn).ShouldBeNull();
        }

        foreach (var op in diffusion.Operators.Concat(BuiltInOperators.All))
        {
            builder.AddOperator(op, CatalogSource.BuiltIn).ShouldBeNull();
        }

        return builder.Build();
    }
}
