using GenPipe.Nn.Models.Vae;
using GenPipe.Tensors;
using GenPipe.Testing;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Nn.Tests.Diffusers;

/// <summary>
/// Tiled and sliced encoding and decoding of the tiny fixture VAE (tests/Fixtures/sd15/vae_kl_tiny, 2 pixels per latent,
/// sample_size 32): against PyTorch's tiling with diffusers' semantics (tools/fixtures/make_vae_tiling_refs.py writes
/// Refs/vae_tiling.safetensors.gz), exact where an input fits one tile, and slicing exact against the batched call.
/// </summary>
public sealed class AutoencoderKLTilingTests(ITestOutputHelper log)
{
    private static readonly string Folder = Sd15Fixtures.Folder("vae_kl_tiny");

    [Theory]
    [MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Tiled_decoding_matches_pytorch_tiling_with_partial_tiles(string backend)
    {
        var refs = Fixtures.Load("vae_tiling");
        var vae = AutoencoderKL.Load(Folder, TestBackends.Get(backend));

        // [2, 4, 26, 30] latents: tiles start every 12 latents, so the last rows and columns are short (2 and 6 latents)
        // and the tiles above them short too (14 latents).
        foreach (int size in new[] { 32, 40 })
        {
            vae.TileSize = size;
            UpstreamMatch.ShouldMatch(vae.Decode(refs.Tensor("decode.latents")), refs, $"decode.tiled{size}", log);
        }
    }

    [Fact]
    public void Tiled_encoding_matches_pytorch_tiling_and_the_posterior_is_taken_from_the_joined_moments()
    {
        // The cpu backend only: the blending is the decoding test's, which runs on both.
        var refs = Fixtures.Load("vae_tiling");
        var vae = AutoencoderKL.Load(Folder, TestBackends.Fastest);
        foreach (int size in new[] { 32, 40 })
        {
            vae.TileSize = size;
            var posterior = vae.Encode(refs.Tensor("encode.image"));
            UpstreamMatch.ShouldMatch(posterior.Moments, refs, $"encode.tiled{size}", log);

            // The mean is the first half of the joined moments, as diffusers' DiagonalGaussianDistribution takes it.
            posterior.Mean.ToArray().ShouldBe(posterior.Moments.Slice(1, 0, vae.Config.LatentChannels).ToArray());
        }
    }

    [Fact]
    public void Inputs_that_fit_one_tile_are_not_tiled_and_give_the_untiled_numbers_exactly()
    {
        var vae = AutoencoderKL.Load(Folder, TestBackends.Fastest);
        var latents = new TorchGenerator(3).Randn(2, 4, 16, 12);
        var image = new TorchGenerator(4).Randn(2, 3, 32, 24);
        float[] decoded = vae.Decode(latents).ToArray();
        float[] mean = vae.Encode(image).Mean.ToArray();

        vae.EnableTiling();
        vae.TileSize.ShouldBe(32);
        vae.LatentTileSize.ShouldBe(16);
        vae.TilesLatents(16, 12).ShouldBeFalse();
        vae.TilesLatents(17, 12).ShouldBeTrue();
        vae.TilesImage(32, 24).ShouldBeFalse();
        vae.TilesImage(32, 33).ShouldBeTrue();
        vae.Decode(latents).ToArray().ShouldBe(decoded);
        vae.Encode(image).Mean.ToArray().ShouldBe(mean);

        // One latent more and the tiles differ from the whole (group norms and attention see one tile).
        var larger = new TorchGenerator(3).Randn(2, 4, 17, 12);
        var tiled = vae.Decode(larger).ToArray();
        vae.TileSize = null;
        MaxDifference(tiled, vae.Decode(larger).ToArray()).ShouldBeGreaterThan(1e-3);
    }

    [Fact]
    public void Slicing_gives_the_batched_numbers_exactly_tiled_or_not()
    {
        var vae = AutoencoderKL.Load(Folder, TestBackends.Fastest);
        var latents = new TorchGenerator(5).Randn(3, 4, 20, 16);
        var image = new TorchGenerator(6).Randn(3, 3, 40, 32);
        foreach (int? tile in new int?[] { null, 32 })
        {
            vae.TileSize = tile;
            vae.Slicing = false;
            float[] decoded = vae.Decode(latents).ToArray();
            var posterior = vae.Encode(image);
            float[] mean = posterior.Mean.ToArray(), logVar = posterior.LogVar.ToArray();

            vae.Slicing = true;
            vae.Decode(latents).ToArray().ShouldBe(decoded, $"decode, tile {tile}");
            posterior = vae.Encode(image);
            posterior.Mean.ToArray().ShouldBe(mean, $"mean, tile {tile}");
            posterior.LogVar.ToArray().ShouldBe(logVar, $"log-variance, tile {tile}");
        }
    }

    [Fact]
    public void Tile_sizes_that_do_not_keep_the_overlap_in_whole_latents_are_refused()
    {
        var vae = new AutoencoderKL(AutoencoderKLConfig.Load(Path.Combine(Folder, AutoencoderKL.ConfigFileName)));
        vae.PixelsPerLatent.ShouldBe(2);
        vae.TileSizeMultiple.ShouldBe(8);
        vae.DefaultTileSize.ShouldBe(32);
        Should.Throw<ArgumentOutOfRangeException>(() => vae.TileSize = 36).Message.ShouldContain("multiple of 8");
        Should.Throw<ArgumentOutOfRangeException>(() => vae.TileSize = 0);
        vae.TileSize.ShouldBeNull();

        // A sample_size that is not a multiple rounds down; SD's 512 with 8 pixels per latent stays 512.
        new AutoencoderKL(vae.Config with { SampleSize = 44 }).DefaultTileSize.ShouldBe(40);
        new AutoencoderKL(vae.Config with { SampleSize = 4 }).DefaultTileSize.ShouldBe(8);
        var sd = new AutoencoderKL(vae.Config with { BlockOutChannels = [32, 32, 64, 64], DownBlockTypes = Repeat("DownEncoderBlock2D"), UpBlockTypes = Repeat("UpDecoderBlock2D"), SampleSize = 512 });
        sd.DefaultTileSize.ShouldBe(512);
        sd.TileSizeMultiple.ShouldBe(32);

        static string[] Repeat(string type) => [type, type, type, type];
    }

    [Fact]
    public void Tiled_encoding_refuses_image_sides_that_are_not_whole_latents()
    {
        var vae = AutoencoderKL.Load(Folder, TestBackends.Fastest);
        vae.EnableTiling();
        Should.Throw<ArgumentException>(() => vae.Encode(Tensor.Zeros(1, 3, 41, 40)))
            .Message.ShouldContain("multiples of 2 pixels");
    }

    [Fact]
    public void Tiled_against_untiled_at_128_pixels_is_as_far_as_pytorch_tiling_and_holds_a_tile_of_activations()
    {
        // PyTorch's PSNRs for the same inputs (seeded latents, the formula picture), from the fixture's metadata. At the
        // fixture VAE's own tile size (its sample_size, 32) tiles are far from the whole; the 512-pixel figures are
        // bench/GenPipe.Bench.VaeTiling's.
        var refs = Fixtures.Load("vae_tiling");
        int side = int.Parse(refs.Metadata["psnr.side"], System.Globalization.CultureInfo.InvariantCulture);
        var latents = new TorchGenerator(12).Randn(1, 4, side / 2, side / 2);
        var picture = VaeTilingMeasures.TestPicture(side);
        var untiled = AutoencoderKL.Load(Folder, TestBackends.Fastest);
        float[] decoded = untiled.Decode(latents).ToArray();
        float[] mean = untiled.Encode(picture).Mean.ToArray();
        long untiledBuffers = BufferBytes(untiled);
        log.WriteLine($"untiled {side}x{side}: activation buffers {untiledBuffers / 1048576.0:F1} MiB");
        foreach (int tile in new[] { 32, 64 })
        {
            var vae = AutoencoderKL.Load(Folder, TestBackends.Fastest);
            vae.TileSize = tile;
            double decodePsnr = VaeTilingMeasures.Psnr(decoded, vae.Decode(latents).ToArray(), 2);
            double encodePsnr = VaeTilingMeasures.Psnr(mean, vae.Encode(picture).Mean.ToArray(), VaeTilingMeasures.Range(mean));
            double torchDecode = Metadata(refs, $"psnr.decode.tile{tile}"), torchEncode = Metadata(refs, $"psnr.encode.tile{tile}");
            long buffers = BufferBytes(vae);
            log.WriteLine(
                $"tile {tile}: decode PSNR {decodePsnr:F2} dB (PyTorch {torchDecode:F2}), encode PSNR {encodePsnr:F2} dB (PyTorch {torchEncode:F2}), activation buffers {buffers / 1048576.0:F1} MiB");
            decodePsnr.ShouldBe(torchDecode, 0.05);
            encodePsnr.ShouldBe(torchEncode, 0.05);
            buffers.ShouldBeLessThan(untiledBuffers);
        }
    }

    /// <summary>
    /// With the whole image's group-norm statistics, tiles come as close to untiled as PyTorch does when each tile is
    /// given the untiled run's statistics (`make_vae_tiling_refs.py --oracle-norms 256,128`: 42.0 dB for both; at 128
    /// pixels in 64-pixel tiles 32.9 and 36.6 dB); diffusers' own tiling is 36.8 and 28.3 dB at 256.
    /// </summary>
    [Theory]
    [InlineData(128, 64, 32.5, 36.0)]
    [InlineData(256, 128, 41.5, 41.0)]
    public void Image_norm_statistics_bring_tiles_close_to_untiled(int side, int tile, double minDecode, double minEncode)
    {
        var latents = new TorchGenerator(12).Randn(1, 4, side / 2, side / 2);
        var picture = VaeTilingMeasures.TestPicture(side);
        var untiled = AutoencoderKL.Load(Folder, TestBackends.Fastest);
        float[] decoded = untiled.Decode(latents).ToArray();
        float[] mean = untiled.Encode(picture).Mean.ToArray();
        var vae = AutoencoderKL.Load(Folder, TestBackends.Fastest);
        vae.TileSize = tile;
        double plainDecode = VaeTilingMeasures.Psnr(decoded, vae.Decode(latents).ToArray(), 2);
        double plainEncode = VaeTilingMeasures.Psnr(mean, vae.Encode(picture).Mean.ToArray(), VaeTilingMeasures.Range(mean));
        vae.ImageNormStatistics = true;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        double decodePsnr = VaeTilingMeasures.Psnr(decoded, vae.Decode(latents).ToArray(), 2);
        double encodePsnr = VaeTilingMeasures.Psnr(mean, vae.Encode(picture).Mean.ToArray(), VaeTilingMeasures.Range(mean));
        log.WriteLine($"{side}px, tile {tile}: decode {plainDecode:F2} -> {decodePsnr:F2} dB, encode {plainEncode:F2} -> {encodePsnr:F2} dB ({watch.Elapsed.TotalSeconds:F1} s)");
        decodePsnr.ShouldBeGreaterThan(minDecode);
        encodePsnr.ShouldBeGreaterThan(minEncode);
        decodePsnr.ShouldBeGreaterThan(plainDecode + 3, "better than each tile's own statistics");
        encodePsnr.ShouldBeGreaterThan(plainEncode + 8, "better than each tile's own statistics");
    }

    internal static double MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();

    private static long BufferBytes(Module model) => model.MemoryByDevice().Sum(m => m.BufferBytes);

    private static double Metadata(FixtureFile refs, string key) =>
        double.Parse(refs.Metadata[key], System.Globalization.CultureInfo.InvariantCulture);
}
