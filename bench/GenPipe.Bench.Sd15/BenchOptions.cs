using System.Globalization;

namespace GenPipe.Bench.Sd15;

/// <summary>The command line of GenPipe.Bench.Sd15 (see Program.cs for the two commands).</summary>
internal sealed record BenchOptions
{
    /// <summary>What the command line looks like.</summary>
    public const string Usage =
        "usage: GenPipe.Bench.Sd15 measure --side genpipe|onnxruntime --component unet|vae|clip --model DIR --inputs FILE " +
        "[--output FILE] [--threads N] [--warmup N] [--warmup-seconds S] [--runs N] [--seconds S]\n" +
        "       GenPipe.Bench.Sd15 profile --component unet|vae|clip (--model DIR | --config FILE) [--batch N] [--size N] [--threads N] [--runs N]";

    /// <summary><c>measure</c> or <c>profile</c>.</summary>
    public string Command { get; init; } = "";

    /// <summary><c>genpipe</c> or <c>onnxruntime</c>.</summary>
    public string Side { get; init; } = "genpipe";

    /// <summary>The component to run.</summary>
    public SdComponent Component { get; init; } = SdComponent.Unet;

    /// <summary>The diffusers model folder (its <c>onnx/</c> subfolder holds the exports).</summary>
    public string? Model { get; init; }

    /// <summary>A component config file, for synthetic weights (profile only).</summary>
    public string? Config { get; init; }

    /// <summary>The inputs file.</summary>
    public string? Inputs { get; init; }

    /// <summary>Where to write the last run's output (safetensors, tensor <c>output</c>).</summary>
    public string? Output { get; init; }

    /// <summary>Intra-op threads.</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Untimed runs first.</summary>
    public int Warmup { get; init; } = 1;

    /// <summary>Keep warming up until this many seconds have passed (after <see cref="Warmup"/> runs).</summary>
    public double WarmupSeconds { get; init; }

    /// <summary>Timed runs, at least.</summary>
    public int Runs { get; init; } = 3;

    /// <summary>Keep timing until this many seconds have passed (after <see cref="Runs"/>).</summary>
    public double Seconds { get; init; }

    /// <summary>Batch of synthetic inputs (profile).</summary>
    public int Batch { get; init; } = 2;

    /// <summary>Latent size of synthetic inputs (profile).</summary>
    public int Size { get; init; } = 64;

    /// <summary>Reads the command line.</summary>
    /// <exception cref="ArgumentException">An unknown option, a missing value or a value out of range; the message names it.</exception>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0)
        {
            throw new ArgumentException("No command given.");
        }

        var options = new BenchOptions { Command = args[0] };
        for (int i = 1; i < args.Count; i++)
        {
            string name = args[i];
            string value = i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            options = name switch
            {
                "--side" => options with { Side = value is "genpipe" or "onnxruntime" ? value : throw new ArgumentException($"--side {value}: use genpipe or onnxruntime.") },
                "--component" => options with { Component = SdComponents.Parse(value) },
                "--model" => options with { Model = value },
                "--config" => options with { Config = value },
                "--inputs" => options with { Inputs = value },
                "--output" => options with { Output = value },
                "--threads" => options with { Threads = Positive(name, value) },
                "--warmup" => options with { Warmup = Positive(name, value, allowZero: true) },
                "--warmup-seconds" => options with { WarmupSeconds = double.Parse(value, CultureInfo.InvariantCulture) },
                "--runs" => options with { Runs = Positive(name, value) },
                "--seconds" => options with { Seconds = double.Parse(value, CultureInfo.InvariantCulture) },
                "--batch" => options with { Batch = Positive(name, value) },
                "--size" => options with { Size = Positive(name, value) },
                _ => throw new ArgumentException($"Unknown option {name}."),
            };
        }

        return options;
    }

    private static int Positive(string name, string value, bool allowZero = false)
    {
        int number = int.Parse(value, CultureInfo.InvariantCulture);
        return number > 0 || (allowZero && number == 0) ? number : throw new ArgumentException($"{name} {value}: must be {(allowZero ? "0 or more" : "positive")}.");
    }
}
