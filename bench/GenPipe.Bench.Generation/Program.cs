using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text.Json.Nodes;
using GenPipe.Autoregressive.Generation;
using GenPipe.Autoregressive.Gpt2;
using GenPipe.Bench.Generation;
using GenPipe.Sampling;
using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Cpu;

// The GenPipe half of bench/generation.py. It loads the model (and the draft model) and the token ids of the prompts
// the script wrote, then serves timing requests on stdin, one JSON line answered per request, so that the script can
// alternate PyTorch and GenPipe round by round (on a VM whose neighbours steal time in phases of seconds, alternating is
// what makes both sides see the same machine):
//   prefill  <batch> <threads> <seconds>                          -> {"ms", "runs", "tokens"}
//   decode   <batch> <threads> <steps> <seconds>                  -> {"ms", "runs", "tokens", "allocated_bytes_per_step"}
//   generate <batch> <threads> <new tokens> <seconds> <draft k>   -> {"ms_total", "ms_generation", "runs", "tokens", ...}
//   info | quit
var options = ParseOptions(args);
if (options is null)
{
    Console.Error.WriteLine("usage: GenPipe.Bench.Generation --model DIR --prompts prompts.json [--draft DIR] (run by bench/generation.py, which talks to it on stdin)");
    return 2;
}

var backend = TensorBackends.Cpu;
var model = Gpt2LanguageModel.Load(options["--model"], backend);
var draft = options.TryGetValue("--draft", out string? draftDir) ? Gpt2LanguageModel.Load(draftDir, backend) : null;
int[][] prompts = [.. JsonNode.Parse(File.ReadAllText(options["--prompts"]))!["prompts"]!.AsArray()
    .Select(p => p!.AsArray().Select(id => (int)id!).ToArray())];
var workers = CpuBackend.Shared.Workers;
var sampler = new TokenSampler([], doSample: false);
var loops = new Dictionary<int, GreedyLoop>();
var warmed = new HashSet<string>();

Console.Out.WriteLine("{\"ready\": true}");
Console.Out.Flush();
string? line;
while ((line = Console.In.ReadLine()) is not null)
{
    string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    JsonObject answer;
    try
    {
        answer = words switch
        {
            ["prefill", var b, var t, var s] => Prefill(Int(b), Int(t), Double(s)),
            ["decode", var b, var t, var n, var s] => Decode(Int(b), Int(t), Int(n), Double(s)),
            ["generate", var b, var t, var n, var s, var k] => Generate(Int(b), Int(t), Int(n), Double(s), Int(k)),
            ["info"] => Info(),
            ["quit"] => null!,
            _ => new JsonObject { ["error"] = $"unknown request '{line}'" },
        };
    }
    catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
    {
        answer = new JsonObject { ["error"] = ex.Message };
    }

    if (answer is null)
    {
        break;
    }

    Console.Out.WriteLine(answer.ToJsonString());
    Console.Out.Flush();
}

return 0;

JsonObject Prefill(int batch, int threads, double seconds)
{
    var loop = Loop(batch, threads);
    WarmUpOnce($"prefill {batch} {threads}", () => loop.Prefill());
    var (ms, runs) = BestOf.Measure(loop.Prefill, seconds);
    return new JsonObject { ["ms"] = ms, ["runs"] = runs, ["tokens"] = Array(loop.LastTokens.ToArray()) };
}

JsonObject Decode(int batch, int threads, int steps, double seconds)
{
    var loop = Loop(batch, threads);
    WarmUpOnce($"decode {batch} {threads} {steps}", () => loop.Decode(steps));
    long before = GC.GetTotalAllocatedBytes(precise: true);
    var tokens = new int[batch, steps + 1];
    loop.Decode(steps, tokens);
    long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
    double bestCpu = double.PositiveInfinity;
    var (ms, runs) = BestOf.Measure(
        () =>
        {
            double wall = loop.Decode(steps);
            bestCpu = Math.Min(bestCpu, loop.LastCpuMs);
            return wall;
        },
        seconds);
    var rows = new JsonArray();
    for (int s = 0; s < batch; s++)
    {
        rows.Add(Array(Enumerable.Range(0, steps + 1).Select(n => tokens[s, n]).ToArray()));
    }

    return new JsonObject { ["ms"] = ms, ["runs"] = runs, ["tokens"] = rows, ["allocated_bytes_per_step"] = (double)allocated / steps, ["cpu_ms"] = bestCpu };
}

JsonObject Generate(int batch, int threads, int newTokens, double seconds, int draftTokens)
{
    SetThreads(threads);
    SpeculativeOptions? speculative = null;
    if (draftTokens > 0)
    {
        if (draft is null)
        {
            return new JsonObject { ["unavailable"] = "no draft model (--draft)" };
        }

        speculative = new SpeculativeOptions(draft, draftTokens);
    }

    var generator = new TextGenerator(model, sampler, speculative);
    string[] texts = [.. prompts.Take(batch).Select(p => model.Tokenizer.Decode(p))];
    GeneratorRun.Result? best = null;
    try
    {
        WarmUpOnce($"generate {batch} {threads} {newTokens} {draftTokens}", () => GeneratorRun.Run(generator, texts, newTokens));
        int runs = 0;
        BestOf.Measure(
            () =>
            {
                var result = GeneratorRun.Run(generator, texts, newTokens);
                runs++;
                if (best is null || result.TotalMs < best.TotalMs)
                {
                    best = result;
                }

                return result.TotalMs;
            },
            seconds);
        var answer = new JsonObject
        {
            ["ms_total"] = best!.TotalMs,
            ["ms_generation"] = best.GenerationMs,
            ["runs"] = runs,
            ["tokens"] = new JsonArray([.. best.Tokens.Select(t => (JsonNode)Array(t))]),
        };
        if (best.Statistics is { } statistics)
        {
            answer["acceptance_rate"] = statistics.AcceptanceRate;
            answer["drafted"] = statistics.Drafted;
            answer["accepted"] = statistics.Accepted;
            answer["target_calls"] = statistics.TargetCalls;
        }

        return answer;
    }
    catch (NotSupportedException ex)
    {
        return new JsonObject { ["unavailable"] = ex.Message };
    }
}

GreedyLoop Loop(int batch, int threads)
{
    if (batch < 1 || batch > prompts.Length)
    {
        throw new ArgumentException($"batch {batch} needs 1 to {prompts.Length} prompts; the prompt file has {prompts.Length}.");
    }

    SetThreads(threads);
    if (!loops.TryGetValue(batch, out var loop))
    {
        loop = new GreedyLoop(model.Model, prompts[..batch]);
        loops[batch] = loop;
    }

    return loop;
}

void SetThreads(int threads)
{
    if (threads < 1 || threads > workers.MaxThreads)
    {
        throw new ArgumentException($"This machine runs 1 to {workers.MaxThreads} threads; asked for {threads}.");
    }

    workers.Threads = threads;
}

void WarmUpOnce(string key, Action run)
{
    if (warmed.Add(key))
    {
        BestOf.WarmUp(run);
    }
}

JsonObject Info()
{
    return new JsonObject
    {
        ["vectors"] = Vector512.IsHardwareAccelerated ? "Vector512 accelerated" : "Vector512 not accelerated (Vector256 kernels)",
        ["runtime"] = RuntimeInformation.FrameworkDescription,
        ["draft"] = draft is null ? null : $"{draft.Model.Config.Layers} layers x {draft.Model.Config.EmbeddingDim}",
    };
}

static JsonArray Array(int[] values) => new([.. values.Select(v => (JsonNode)v)]);

static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

static double Double(string text) => double.Parse(text, CultureInfo.InvariantCulture);

static Dictionary<string, string>? ParseOptions(string[] args)
{
    var options = new Dictionary<string, string>();
    for (int i = 0; i + 1 < args.Length; i += 2)
    {
        options[args[i]] = args[i + 1];
    }

    return args.Length % 2 == 0 && options.ContainsKey("--model") && options.ContainsKey("--prompts") ? options : null;
}
