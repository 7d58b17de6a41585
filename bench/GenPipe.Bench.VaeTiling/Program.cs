using System.Diagnostics;
using System.Globalization;
using GenPipe.Bench;
using GenPipe.Nn;
using GenPipe.Nn.Models.Vae;
using GenPipe.Nn.Tests.Diffusers;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

// Tiled against untiled VAE decoding and encoding at a large side (issue 12, point 6): for the fixture VAE
// (tests/Fixtures/sd15/vae_kl_tiny) and each tile size, the PSNR of the tiled result against the untiled one (decoded
// images, peak 2; encoded means of the test picture, peak their range), seconds, and the activation buffers the model
// holds afterwards (Module.MemoryByDevice), each on a freshly loaded model. With --sd-side N it also decodes latents of
// an N-pixel image with Stable Diffusion 1.5's VAE architecture (synthetic weights) untiled and at --sd-tile, for the
// activation memory of the real size. Tiles in --image-norm-tiles run a second time with the whole image's group-norm
// statistics (AutoencoderKL.ImageNormStatistics). Prints a markdown table.
var settings = Settings.Parse(args);
if (settings is null)
{
    Console.Error.WriteLine("usage: GenPipe.Bench.VaeTiling [--side 512] [--tiles 32,64,128,256] [--image-norm-tiles 128,256] [--seed 12] [--sd-side 0] [--sd-tile 512]");
    return 2;
}

string folder = Path.Combine(BenchRepository.Root(), "tests", "Fixtures", "sd15", "vae_kl_tiny");
var backend = TensorBackends.Cpu;
int side = settings.Side;
var latents = new TorchGenerator(settings.Seed).Randn(1, 4, side / 2, side / 2);
var picture = VaeTilingMeasures.TestPicture(side);
Console.WriteLine($"# VAE tiling at {side}x{side}: fixture VAE (vae_kl_tiny), latents torch.manual_seed({settings.Seed}), {Environment.ProcessorCount} cores");
Console.WriteLine();
Console.WriteLine("| tile (px) | tiles | decode PSNR (dB) | decode s | decode buffers (MiB) | encode PSNR (dB) | encode s | encode buffers (MiB) |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
var whole = Run(null);
Console.WriteLine(Row("untiled", 1, whole, double.PositiveInfinity, double.PositiveInfinity));
foreach (int tile in settings.Tiles)
{
    var tiled = Run(tile);
    int perSide = (((side / 2) + (tile / 2 * 3 / 4)) - 1) / (tile / 2 * 3 / 4);
    double decodePsnr = VaeTilingMeasures.Psnr(whole.Decoded, tiled.Decoded, 2);
    double encodePsnr = VaeTilingMeasures.Psnr(whole.Mean, tiled.Mean, VaeTilingMeasures.Range(whole.Mean));
    Console.WriteLine(Row(tile.ToString(CultureInfo.InvariantCulture), perSide * perSide, tiled, decodePsnr, encodePsnr));
    if (settings.ImageNormTiles.Contains(tile))
    {
        var shared = Run(tile, imageNorms: true);
        Console.WriteLine(Row(
            $"{tile}, image norms",
            perSide * perSide,
            shared,
            VaeTilingMeasures.Psnr(whole.Decoded, shared.Decoded, 2),
            VaeTilingMeasures.Psnr(whole.Mean, shared.Mean, VaeTilingMeasures.Range(whole.Mean))));
    }
}

if (settings.SdSide > 0)
{
    Console.WriteLine();
    Console.WriteLine($"SD 1.5 VAE architecture (synthetic weights), decoding a {settings.SdSide}x{settings.SdSide} image:");
    foreach (int? tile in new int?[] { null, settings.SdTile })
    {
        using var sd = SdVae();
        sd.TileSize = tile < settings.SdSide ? tile : null;
        var sdLatents = new TorchGenerator(settings.Seed).Randn(1, 4, settings.SdSide / 8, settings.SdSide / 8);
        var clock = Stopwatch.StartNew();
        sd.Decode(sdLatents);
        Console.WriteLine($"  {(sd.TileSize is null ? "untiled" : $"tile {tile}")}: {clock.Elapsed.TotalSeconds:F1} s, activation buffers {Mib(sd):F1} MiB, weights {sd.MemoryByDevice().Sum(m => m.WeightBytes) / 1048576.0:F1} MiB");
    }
}

return 0;

Result Run(int? tile, bool imageNorms = false)
{
    using var decoder = AutoencoderKL.Load(folder, backend);
    decoder.TileSize = tile;
    decoder.ImageNormStatistics = imageNorms;
    var clock = Stopwatch.StartNew();
    float[] decoded = decoder.Decode(latents).ToArray();
    double decodeSeconds = clock.Elapsed.TotalSeconds;
    double decodeMib = Mib(decoder);
    using var encoder = AutoencoderKL.Load(folder, backend);
    encoder.TileSize = tile;
    encoder.ImageNormStatistics = imageNorms;
    clock.Restart();
    float[] mean = encoder.Encode(picture).Mean.ToArray();
    return new Result(decoded, decodeSeconds, decodeMib, mean, clock.Elapsed.TotalSeconds, Mib(encoder));
}

AutoencoderKL SdVae()
{
    var config = new AutoencoderKLConfig
    {
        BlockOutChannels = [128, 256, 512, 512],
        DownBlockTypes = Enumerable.Repeat(AutoencoderKLConfig.DownEncoderBlock, 4).ToArray(),
        UpBlockTypes = Enumerable.Repeat(AutoencoderKLConfig.UpDecoderBlock, 4).ToArray(),
        LayersPerBlock = 2,
        SampleSize = 512,
    };
    var model = new AutoencoderKL(config);
    model.LoadWeights(new SyntheticWeightSource(model), backend);
    return model;
}

static double Mib(Module model) => model.MemoryByDevice().Sum(m => m.BufferBytes) / 1048576.0;

static string Row(string tile, int tiles, Result r, double decodePsnr, double encodePsnr) =>
    string.Create(CultureInfo.InvariantCulture, $"| {tile} | {tiles} | {Db(decodePsnr)} | {r.DecodeSeconds:F1} | {r.DecodeMib:F1} | {Db(encodePsnr)} | {r.EncodeSeconds:F1} | {r.EncodeMib:F1} |");

static string Db(double psnr) => double.IsPositiveInfinity(psnr) ? "-" : psnr.ToString("F2", CultureInfo.InvariantCulture);

internal sealed record Result(float[] Decoded, double DecodeSeconds, double DecodeMib, float[] Mean, double EncodeSeconds, double EncodeMib);

internal sealed record Settings(int Side, int[] Tiles, int[] ImageNormTiles, int Seed, int SdSide, int SdTile)
{
    public static Settings? Parse(string[] args)
    {
        var settings = new Settings(512, [32, 64, 128, 256], [128, 256], 12, 0, 512);
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string value = args[i + 1];
            settings = args[i] switch
            {
                "--side" => settings with { Side = Int(value) },
                "--tiles" => settings with { Tiles = value.Split(',').Select(Int).ToArray() },
                "--image-norm-tiles" => settings with { ImageNormTiles = value.Split(',').Select(Int).ToArray() },
                "--seed" => settings with { Seed = Int(value) },
                "--sd-side" => settings with { SdSide = Int(value) },
                "--sd-tile" => settings with { SdTile = Int(value) },
                _ => null,
            };
            if (settings is null)
            {
                return null;
            }
        }

        return args.Length % 2 == 0 && settings.Side % 8 == 0 ? settings : null;
    }

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);
}
