using System.CommandLine;
using System.Diagnostics;
using GenPipe.Core;
using GenPipe.Nn.Data;
using GenPipe.Nn.Evaluation;
using GenPipe.Nn.Models.Digits;
using GenPipe.Tensors.Backends;

namespace GenPipe.Cli.Commands;

/// <summary>
/// <c>genpipe eval PIPELINE [--set k=v]... [--count N] [--batch B] [--condition P=TEMPLATE] [--seed S] [--data FILE]
/// [--classifier DIR] [--output NAME] [--out DIR] [-q]</c>: draws N digits from a pipeline in batches (its <c>count</c>
/// and <c>seed</c> parameters set per batch) and scores them with <see cref="DigitsEvaluator"/> against the digits
/// data set: FLD with its real-vs-real floor, the classifier's reading (accuracy for conditional samples, coverage),
/// and memorization. Prints a table; writes eval.json and eval.png only when everything succeeded.
/// </summary>
internal static class EvalCommand
{
    private const int DefaultCount = 1000;
    private const int DefaultBatch = 100;
    private const string DefaultOutput = "digits";
    private const string CountParameter = "count";
    private const string SeedParameter = "seed";

    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var pipeline = new PipelineOptions();
        var count = new Option<int?>("--count") { Description = $"How many samples to draw and score (default {DefaultCount}); with --condition, split evenly over the digits 0 to 9." };
        var batch = new Option<int?>("--batch") { Description = $"Samples per pipeline run, set as its 'count' parameter (default {DefaultBatch})." };
        var condition = new Option<string?>("--condition")
        {
            Description = "Ask for each digit 0 to 9 through a pipeline parameter: PARAM=TEMPLATE with {digit} (7), {word} (seven), {a} (a/an), " +
                "e.g. --condition \"prompt={a} {word}\". Without it the samples are unconditional (no accuracy).",
        };
        var seed = new Option<int?>("--seed") { Description = "Base seed: batch i runs with seed = S + i (default 0); it also draws the floor's training digits." };
        var data = new Option<string?>("--data") { Description = "The digits data set (default: data/digits/digits.safetensors beside the pipeline's folder)." };
        var classifier = new Option<string?>("--classifier") { Description = "The digit classifier folder (default: models/digits-classifier beside the pipeline's folder)." };
        var outputName = new Option<string?>("--output") { Description = $"The pipeline output holding the decoded digits, [n, 1, 28, 28] in [-1, 1] (default '{DefaultOutput}')." };
        var outDir = new Option<string?>("--out", "-o") { Description = "Folder for eval.json and eval.png (default: out/eval-<pipeline name>). Written only when the evaluation succeeds." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress output." };
        var command = new Command("eval", "Draw digits from a pipeline and score them: FLD with its real-data floor, accuracy, coverage, memorization.");
        pipeline.AddTo(command);
        foreach (var option in new Option[] { count, batch, condition, seed, data, classifier, outputName, outDir, quiet })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parsed, cancellationToken) =>
        {
            var host = globals.Read(parsed);
            try
            {
                var clock = Stopwatch.StartNew();
                var options = EvalOptions.Read(parsed, pipeline.Set, count, batch, condition, seed, outputName, DefaultCount, DefaultBatch, DefaultOutput);
                if (options.Problem is { } optionProblem)
                {
                    return await Refuse(error, optionProblem).ConfigureAwait(false);
                }

                await using var cli = CliHost.Create(host, error);
                string pipelineFile = parsed.GetValue(pipeline.Pipeline)!;
                var compiled = pipeline.Load(cli, parsed, error, cancellationToken);
                if (PipelineProblem(compiled, options) is { } pipelineProblem)
                {
                    return await Refuse(error, pipelineProblem).ConfigureAwait(false);
                }

                // Defaults sit beside the pipeline's folder: pipelines/x.json -> the repository root's data and models.
                string root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(pipelineFile))) ?? Environment.CurrentDirectory;
                string dataFile = Path.GetFullPath(parsed.GetValue(data) ?? Path.Combine(root, "data", "digits", "digits.safetensors"));
                string classifierFolder = Path.GetFullPath(parsed.GetValue(classifier) ?? Path.Combine(root, "models", "digits-classifier"));
                string outputFolder = Path.GetFullPath(parsed.GetValue(outDir) ?? Path.Combine("out", "eval-" + compiled.Name));
                if (FileProblem(dataFile, classifierFolder, outputFolder, parsed.GetValue(data) is null, parsed.GetValue(classifier) is null) is { } fileProblem)
                {
                    return await Refuse(error, fileProblem).ConfigureAwait(false);
                }

                var batches = EvalSampler.Plan(options.Count, options.Batch, options.Seed, options.Condition);
                EvalBatch? compiling = null;
                EvalSampler sampler;
                try
                {
                    sampler = EvalSampler.Prepare(cli, pipelineFile, options.Overrides, batches, options.Condition, options.Output, b => compiling = b, cancellationToken);
                }
                catch (PipelineValidationException)
                {
                    // The diagnostics speak of count, seed or the condition's parameter: say which batch set them.
                    var failed = compiling!;
                    await error.WriteLineAsync($"error: the pipeline refuses batch {failed.Index + 1} ({string.Join(", ", failed.Overrides(options.Condition?.Parameter))}):").ConfigureAwait(false);
                    throw;
                }

                var (train, heldOut, judge) = LoadJudge(dataFile, classifierFolder, out string? loadProblem);
                if (loadProblem is not null)
                {
                    return await Refuse(error, loadProblem).ConfigureAwait(false);
                }

                using (judge)
                {
                    var evaluator = new DigitsEvaluator(judge!, train!, heldOut!);
                    var (result, samples, requested) = await EvalProgress.RunAsync(error, parsed.GetValue(quiet), batches.Count, async progress =>
                    {
                        var (drawn, asked) = await sampler.DrawAsync(progress, cancellationToken).ConfigureAwait(false);
                        progress.Scoring($"{drawn.Dim(0)} samples against {heldOut!.Count} held-out and {train!.Count} training digits");
                        var scored = await Task.Run(() => evaluator.Evaluate(drawn, asked, options.Seed, cancellationToken), cancellationToken).ConfigureAwait(false);
                        progress.Finished();
                        return (scored, drawn, asked);
                    }).ConfigureAwait(false);

                    var run = new EvalRun(
                        CommandLine(parsed), Path.GetFullPath(pipelineFile), compiled.Name, options.Overrides, options.Condition, options.Output,
                        options.Count, options.Batch, options.Seed, batches, dataFile, classifierFolder);
                    cancellationToken.ThrowIfCancellationRequested();
                    var files = EvalReport.Write(outputFolder, EvalReport.Json(run, result, clock.Elapsed), EvalReport.Grid(samples, requested));
                    EvalReport.WriteTable(output, run, result, clock.Elapsed);
                    foreach (string file in files)
                    {
                        await output.WriteLineAsync($"  wrote {ShortPath(file)}").ConfigureAwait(false);
                    }
                }

                return ExitCodes.Success;
            }
            catch (EvalOutputException ex)
            {
                await error.WriteLineAsync($"error: --output: {ex.Message} Nothing was written.").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }
            catch (Exception ex)
            {
                return ErrorReporter.Report(ex, error, host.Verbose);
            }
        });
        return command;
    }

    private static async Task<int> Refuse(TextWriter error, string problem)
    {
        await error.WriteLineAsync($"error: {problem} Nothing was run.").ConfigureAwait(false);
        return ExitCodes.InvalidInput;
    }

    // What eval needs of the pipeline: count and seed parameters it sets per batch, the condition's parameter, the output.
    private static string? PipelineProblem(CompiledPipeline compiled, EvalOptions options)
    {
        var parameters = compiled.Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        string declared = parameters.Count == 0 ? "none" : string.Join(", ", parameters.Keys);
        foreach (string name in new[] { CountParameter, SeedParameter })
        {
            if (!parameters.TryGetValue(name, out var parameter))
            {
                return $"{compiled.SourceFile}: the pipeline has no '{name}' parameter (it declares: {declared}); eval sets count to --batch and seed to --seed + the batch index on each run, so it needs a pipeline that draws 'count' samples from a 'seed'.";
            }

            if (parameter.Type != "int")
            {
                return $"{compiled.SourceFile}: the pipeline's '{name}' parameter is a {parameter.Type}; eval sets it to whole numbers, so it must be an int.";
            }
        }

        if (options.Condition is { } condition && !parameters.ContainsKey(condition.Parameter))
        {
            return $"--condition: the pipeline has no parameter '{condition.Parameter}' (it declares: {declared}); name the parameter that asks for the digit, e.g. --condition \"prompt={{a}} {{word}}\".";
        }

        if (options.Condition?.Parameter is CountParameter or SeedParameter)
        {
            return $"--condition: '{options.Condition.Parameter}' is the parameter eval sets per batch; condition on the one that asks for the digit.";
        }

        if (!compiled.Outputs.ContainsKey(options.Output))
        {
            string outputs = compiled.Outputs.Count == 0 ? "none" : string.Join(", ", compiled.Outputs.Keys);
            return $"--output: the pipeline has no output '{options.Output}' (it has: {outputs}); name the one holding the decoded digits with --output.";
        }

        return null;
    }

    private static string? FileProblem(string dataFile, string classifierFolder, string outputFolder, bool dataDefault, bool classifierDefault)
    {
        if (!File.Exists(dataFile))
        {
            return $"--data: no digits data set at {dataFile}{(dataDefault ? " (the default beside the pipeline's folder)" : "")}; give the file with --data FILE (tools/train/digits_data.py writes it).";
        }

        foreach (string name in new[] { DigitClassifier.ConfigFileName, DigitClassifier.WeightsFileName })
        {
            if (!File.Exists(Path.Combine(classifierFolder, name)))
            {
                return $"--classifier: no {name} in {classifierFolder}{(classifierDefault ? " (the default beside the pipeline's folder)" : "")}; give a digit classifier folder with --classifier DIR (tools/train/train_digits_classifier.py writes one).";
            }
        }

        for (string? path = outputFolder; !string.IsNullOrEmpty(path); path = Path.GetDirectoryName(path))
        {
            if (File.Exists(path))
            {
                return $"--out: '{path}' is a file, not a folder; give a folder (it is created when missing) or move the file away.";
            }

            if (Directory.Exists(path))
            {
                break;
            }
        }

        return null;
    }

    // The data set's two parts and the classifier; a broken file is the user's input (exit 2), named with its option.
    private static (DigitsDataSet? Train, DigitsDataSet? HeldOut, DigitClassifier? Classifier) LoadJudge(string dataFile, string classifierFolder, out string? problem)
    {
        DigitsDataSet train, heldOut;
        try
        {
            train = DigitsDataSet.Load(dataFile, DigitsDataSet.Train);
            heldOut = DigitsDataSet.Load(dataFile, DigitsDataSet.HeldOut);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            problem = $"--data: {ex.Message}";
            return (null, null, null);
        }

        try
        {
            var model = DigitClassifier.Load(classifierFolder, TensorBackends.Cpu);
            var config = model.Config;
            if (config.InChannels != 1 || config.SampleSize != DigitsDataSet.ImageSize)
            {
                model.Dispose();
                problem = $"--classifier: {classifierFolder} takes {config.SampleSize}x{config.SampleSize} images of {config.InChannels} channel(s); eval needs a 28x28 single-channel digit classifier.";
                return (null, null, null);
            }

            problem = null;
            return (train, heldOut, model);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or GenPipe.Nn.WeightBindingException)
        {
            problem = $"--classifier: {ex.Message}";
            return (null, null, null);
        }
    }

    // The command as typed (tokens after 'genpipe'), quoted where a shell would need it, for eval.json.
    private static string CommandLine(ParseResult parsed) =>
        "genpipe " + string.Join(' ', parsed.Tokens.Select(t => Quote(t.Value)));

    private static string Quote(string token) =>
        token.Length > 0 && token.All(c => char.IsLetterOrDigit(c) || "-_./=:,+@%".Contains(c, StringComparison.Ordinal))
            ? token
            : "'" + token.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string ShortPath(string file)
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, file);
        return relative.StartsWith("..", StringComparison.Ordinal) ? file : relative;
    }
}
