using GenPipe.Core;
using GenPipe.Core.Catalog;
using GenPipe.Diffusion.Diffusers;
using GenPipe.Diffusion.Tests.Fakes;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Testing;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests.Diffusers;

/// <summary>
/// <c>autoencoder/kl</c>'s tiling and slicing options on the tiny fixture VAE (2 pixels per latent, sample_size 32):
/// <c>on</c> tiles past one tile, <c>auto</c> too but never at 512 x 512 pixels or fewer (exact there), <c>off</c>
/// never; bad values are refused at their JSON path before anything loads.
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
        options.ImageNorms.ShouldBeFalse("diffusers' tiling by default");
        options.Validate().ShouldBeEmpty();

        using var vae = KlAutoencoder.Open("vae", Folder, options, TensorBackends.Cpu);
        vae.TileSize.ShouldBe(32);
        vae.Model.Slicing.ShouldBeTrue();
        vae.Model.ImageNormStatistics.ShouldBeFalse();
        using var shared = KlAutoencoder.Open("vae", Folder, new KlAutoencoderOptions { ImageNorms = true }, TensorBackends.Cpu);
        shared.Model.ImageNormStatistics.ShouldBeTrue();
        vae.Tiles(512, 512).ShouldBeFalse();
        vae.Tiles(256, 1024).ShouldBeFalse();
        vae.Tiles(512, 520).ShouldBeTrue();
        vae.Tiles(8, 32800).ShouldBeTrue();

        using var on = Open(KlAutoencoderTiling.On, 40);
        on.Tiles(40, 40).ShouldBeFalse();
        on.Tiles(40, 48).ShouldBeTrue();
        using var off = Open(KlAutoencoderTiling.Off, 0);
        off.Tiles(4096, 4096).ShouldBeFalse();

        // A tile as large as the floor: auto is on.
        using var large = Open(KlAutoencoderTiling.Auto, 512);
        large.Tiles(512, 512).ShouldBeFalse();
        large.Tiles(512, 520).ShouldBeTrue();
    }

    [Fact]
    public async Task On_tiles_past_one_tile_while_auto_keeps_small_images_whole_and_exact()
    {
        using var auto = Open(KlAutoencoderTiling.Auto, 0);
        using var on = Open(KlAutoencoderTiling.On, 0);
        using var off = Open(KlAutoencoderTiling.Off, 0);

        // 18x16 latents are 36x32 pixels, past the 32-pixel tile: on decodes them in tiles, auto and off whole.
        var latents = new TorchGenerator(1).Randn(2, 4, 18, 16);
        float[] whole = await Decode(off, latents);
        (await Decode(auto, latents)).ShouldBe(whole);
        Difference(await Decode(on, latents), whole).ShouldBeGreaterThan(1e-3, "on tiles 36 pixels");
        on.Model.TileSize.ShouldBe(32);
        (await Decode(on, latents.Slice(2, 0, 16).Contiguous())).ShouldBe(await Decode(off, latents.Slice(2, 0, 16).Contiguous()));
        on.Model.TileSize.ShouldBeNull("one tile: untiled");

        // Encoding decides on the image's own size.
        var picture = new TorchGenerator(3).Randn(1, 3, 40, 32);
        float[] mean = await EncodeMean(off, picture);
        (await EncodeMean(auto, picture)).ShouldBe(mean);
        Difference(await EncodeMean(on, picture), mean).ShouldBeGreaterThan(1e-3, "on tiles 40 pixels");
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

    private static double Difference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();

    private static ComponentCatalog Catalog() => DiffusionCatalog.Builder().Build();
}
