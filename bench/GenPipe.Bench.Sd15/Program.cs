using System.Globalization;
using GenPipe.Bench;
using GenPipe.Bench.Sd15;

// The C# half of bench/sd15.py: times GenPipe and ONNX Runtime on Stable Diffusion 1.5's UNet, VAE decoder and CLIP
// text encoder, one side and one component per process (so each process's peak memory is its own), on the inputs and
// weights the Python side wrote.
//   measure --side genpipe|onnxruntime --component unet|vae|clip --model DIR --inputs FILE [--output FILE]
//           [--threads 2] [--warmup 1] [--warmup-seconds 0] [--runs 3] [--seconds 0]        -> one JSON line (times, load time, peak memory)
//   profile --component unet|vae|clip (--model DIR | --config FILE) [--batch 2] [--size 64] [--threads 2] [--runs 2]
//                                                                      -> where GenPipe's time goes, by kernel and shape
try
{
    var options = BenchOptions.Parse(args);
    return options.Command switch
    {
        "measure" => Measure.Run(options),
        "profile" => Profile.Run(options),
        _ => throw new ArgumentException($"Unknown command '{options.Command}'; use measure or profile."),
    };
}
catch (Exception ex) when (ex is ArgumentException or FileNotFoundException or InvalidDataException or FormatException)
{
    Console.Error.WriteLine($"GenPipe.Bench.Sd15: {ex.Message}");
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}
