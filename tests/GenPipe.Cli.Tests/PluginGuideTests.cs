using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Shouldly;
using Xunit.Abstractions;

namespace GenPipe.Cli.Tests;

/// <summary>
/// docs/plugins.md, followed as a reader follows it. The fixture writes the files the guide marks with
/// <c>&lt;!-- file: PATH --&gt;</c> into a temporary folder laid out as the guide says (<c>genpipe/</c>,
/// <c>AffineDecoder/</c>, <c>AffineDecoder.Tests/</c>, <c>my-plugins/</c>), then runs every command of the guide's bash
/// blocks in document order, each in the folder the guide names before it ("From `AffineDecoder/`"): the real
/// <c>dotnet publish</c> and <c>dotnet test</c> (with <c>-p:GenPipeRoot</c> pointing at this repository), and the
/// <c>genpipe</c> commands through the executable built beside these tests. <c>genpipe/</c> holds a copy of
/// <c>pipelines/</c>, so the commands run exactly as written. The tests then check what the guide promises, with the
/// numbers the runs wrote. These are the commands DocumentedCommandTests skips.
/// </summary>
public sealed class PluginGuideTests(PluginGuideTests.Guide guide, ITestOutputHelper output) : IClassFixture<PluginGuideTests.Guide>
{
    [Fact]
    public void The_guide_builds_its_plugin_without_the_contracts_and_its_own_tests_pass()
    {
        guide.Log(output);
        var publish = guide.Single(c => c.Text.StartsWith("dotnet publish ", StringComparison.Ordinal));
        publish.ExitCode.ShouldBe(0, publish.ToString());
        string folder = guide.Combine("my-plugins", "AffineDecoder");
        File.Exists(Path.Combine(folder, "AffineDecoder.dll")).ShouldBeTrue(publish.ToString());
        File.Exists(Path.Combine(folder, "AffineDecoder.deps.json")).ShouldBeTrue(publish.ToString());

        // The csproj's promise: the contracts are compiled against, not shipped (the host provides its own copy).
        Directory.GetFiles(folder).Select(Path.GetFileName).ShouldNotContain("GenPipe.Abstractions.dll");
        Directory.GetFiles(folder).Select(Path.GetFileName).ShouldNotContain("GenPipe.Tensors.dll");

        var test = guide.Single(c => c.Text.StartsWith("dotnet test", StringComparison.Ordinal));
        test.Cwd.ShouldBe("AffineDecoder.Tests");
        test.ExitCode.ShouldBe(0, test.ToString());
        // The guide's three facts and the six that DecoderConformance gives AffineDecoderConformance: the inherited
        // facts of GenPipe.Testing are found and run in a plugin's own test project.
        test.Output.ShouldMatch(@"Failed:\s+0, Passed:\s+9,", test.ToString());
    }

    [Fact]
    public void Every_guide_command_exits_as_the_guide_says()
    {
        var genpipe = guide.Commands.Where(c => c.Text.StartsWith("genpipe ", StringComparison.Ordinal)).ToList();
        genpipe.Count.ShouldBeGreaterThanOrEqualTo(9);
        foreach (var command in guide.Commands)
        {
            command.ExitCode.ShouldBe(command.ExpectedExitCode, command.ToString());
            StackTraces.In(command.Output + command.Error).ShouldBeFalse(command.ToString());
            (command.Output + command.Error).ShouldNotContain("warn", Case.Insensitive, command.ToString());
        }

        genpipe.ShouldAllBe(c => c.Cwd == "genpipe");
        genpipe.ShouldAllBe(c => c.Text.Contains("--plugins ../my-plugins", StringComparison.Ordinal));
    }

    [Fact]
    public void List_and_describe_show_the_plugin_with_its_descriptions_and_ranges()
    {
        var list = guide.Single(c => c.Text.StartsWith("genpipe list ", StringComparison.Ordinal)).Output;
        list.ShouldContain("example/affine-decoder  (IDecoder, AffineDecoder)");
        list.ShouldContain("clamp  (AffineDecoder)");

        string decoder = Squeeze(guide.Single(c => c.Text.StartsWith("genpipe describe example/affine-decoder", StringComparison.Ordinal)).Output);
        decoder.ShouldContain("scale float 1 from 0 to 100 Multiplies every value; 0 maps everything onto shift.");
        decoder.ShouldContain("shift float 0 Added to every value after scaling.");

        string clamp = Squeeze(guide.Single(c => c.Text.StartsWith("genpipe describe clamp", StringComparison.Ordinal)).Output);
        clamp.ShouldContain("samples Tensor yes The batch, from another step: [N, ...].");
        clamp.ShouldContain("mix float no 1 0 to 1 0 keeps the samples, 1 clamps them fully, between blends.");
    }

    [Fact]
    public void The_output_the_guide_shows_is_what_the_commands_print()
    {
        guide.ShownOutputs.Count.ShouldBeGreaterThanOrEqualTo(2);
        foreach (var (lines, commands) in guide.ShownOutputs)
        {
            string printed = Squeeze(string.Join("\n", commands.Select(c => c.Output + "\n" + c.Error)));
            foreach (string line in lines.Where(l => l.Trim().Length > 0 && !l.Contains("...", StringComparison.Ordinal)))
            {
                printed.ShouldContain(Squeeze(line), Case.Sensitive, $"shown in docs/plugins.md but not printed by:\n{string.Join("\n", commands.Select(c => c.Text))}\n{printed}");
            }
        }
    }

    [Fact]
    public void The_affine_decoder_at_scale_half_gives_exactly_half_the_identity_samples()
    {
        var plain = guide.Single(c => c.Text.StartsWith("genpipe run pipelines/gaussian-mixture.json", StringComparison.Ordinal) && !c.Text.Contains("--set", StringComparison.Ordinal));
        var half = guide.Single(c => c.ExpectedExitCode == 0 && c.Text.Contains("options.scale=", StringComparison.Ordinal));
        half.Text.ShouldContain("--set components.identity.type=example/affine-decoder");
        double scale = double.Parse(Regex.Match(half.Text, @"options\.scale=(\S+)").Groups[1].Value, CultureInfo.InvariantCulture);
        scale.ShouldBe(0.5);

        var (identityShape, identity) = Npy.Read(guide.OutputFile(plain, "gaussian-mixture.npy"));
        var (halfShape, halved) = Npy.Read(guide.OutputFile(half, "gaussian-mixture.npy"));

        identityShape.ShouldBe([2000, 2]);
        halfShape.ShouldBe([2000, 2]);
        identity.Max(Math.Abs).ShouldBeGreaterThan(3f, "the mixture's means lie at distance 4 and more");
        for (int i = 0; i < identity.Length; i++)
        {
            // 0.5 * x is exact in binary floating point: the same seed must give exactly half.
            halved[i].ShouldBe(identity[i] * 0.5f, $"element {i}");
        }

        output.WriteLine($"{identity.Length} values; identity max |x| {identity.Max(Math.Abs)}, halved max |x| {halved.Max(Math.Abs)}");
    }

    [Fact]
    public void The_clamp_operator_matches_its_closed_form()
    {
        var run = guide.Single(c => c.ExpectedExitCode == 0 && c.Text.StartsWith("genpipe run ../AffineDecoder/clamped-mixture.json", StringComparison.Ordinal));
        var parameters = guide.PipelineDefaults("AffineDecoder/clamped-mixture.json");
        foreach (Match set in Regex.Matches(run.Text, @"--set (\w+)=(\S+)"))
        {
            parameters[set.Groups[1].Value] = double.Parse(set.Groups[2].Value, CultureInfo.InvariantCulture);
        }

        double low = parameters["low"], high = parameters["high"], mix = parameters["mix"];
        (low, high, mix).ShouldBe((-2.0, 1.5, 0.5), "the values the guide's command and pipeline give");

        var (rawShape, raw) = Npy.Read(guide.OutputFile(run, "raw.npy"));
        var (clampedShape, clamped) = Npy.Read(guide.OutputFile(run, "clamped.npy"));
        File.Exists(guide.OutputFile(run, "clamped.png")).ShouldBeTrue();

        rawShape.ShouldBe([500, 2]);
        clampedShape.ShouldBe([500, 2]);
        int below = 0, above = 0;
        for (int i = 0; i < raw.Length; i++)
        {
            double x = raw[i];
            below += x < low ? 1 : 0;
            above += x > high ? 1 : 0;
            clamped[i].ShouldBe((float)(x + (mix * (Math.Clamp(x, low, high) - x))), $"element {i} (raw {x})");
        }

        // Both bounds did something, and most values lie between them, so the check above is not vacuous.
        below.ShouldBeGreaterThan(50);
        above.ShouldBeGreaterThan(50);
        (below + above).ShouldBeLessThan(raw.Length);
        output.WriteLine($"{raw.Length} values: {below} below {low}, {above} above {high}; min {clamped.Min()}, max {clamped.Max()}");
    }

    [Fact]
    public void Values_outside_declared_ranges_are_refused_with_exit_code_2_before_any_work()
    {
        var refused = guide.Commands.Where(c => c.ExpectedExitCode == 2).ToList();
        refused.Count.ShouldBe(3);
        foreach (var command in refused)
        {
            command.ExitCode.ShouldBe(2, command.ToString());
            command.Error.ShouldContain("1 error(s); nothing was run.", Case.Sensitive, command.ToString());
            command.Changed.ShouldBeEmpty(command.ToString());
        }

        string errors = string.Join("\n", refused.Select(c => c.Error));
        errors.ShouldContain("option 'scale' must be from 0 to 100, got 500");
        errors.ShouldContain("parameter 'mix' (input 'mix' of step 'clamped') must be from 0 to 1, got 2");
        errors.ShouldContain("parameter 'low' (input 'low' of step 'clamped') must not be above high (2), got 3");
    }

    /// <summary>Runs of spaces and newlines as one space, so table cells compare without their padding.</summary>
    private static string Squeeze(string text) => Regex.Replace(text, @"\s+", " ").Trim();

    /// <summary>A command of the guide: where it ran, what the guide expects, what it printed and which output files it wrote.</summary>
    public sealed record GuideCommand(string Cwd, string Text, int ExpectedExitCode)
    {
        public int ExitCode { get; set; } = -1;

        public string Output { get; set; } = "";

        public string Error { get; set; } = "not run";

        public IReadOnlyList<string> Changed { get; set; } = [];

        public TimeSpan Elapsed { get; set; }

        public override string ToString() => $"(in {Cwd}/) {Text}\nexit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
    }

    /// <summary>The guide's example, built and run once for the class.</summary>
    public sealed class Guide : IAsyncLifetime
    {
        private readonly string _root = Repository.Root;
        private readonly TempFolder _temp = new();
        private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);
        private readonly Stopwatch _clock = new();

        public List<GuideCommand> Commands { get; } = [];

        /// <summary>Blocks the guide marks with <c>&lt;!-- output --&gt;</c>, with the commands of the bash block before each.</summary>
        public List<(IReadOnlyList<string> Lines, IReadOnlyList<GuideCommand> Commands)> ShownOutputs { get; } = [];

        public string Combine(params string[] parts) => _temp.Combine(parts);

        public GuideCommand Single(Func<GuideCommand, bool> predicate)
        {
            var matches = Commands.Where(predicate).ToList();
            matches.Count.ShouldBe(1, "commands of docs/plugins.md that match:\n" + string.Join("\n", Commands.Select(c => c.Text)));
            return matches[0];
        }

        /// <summary>A file a <c>genpipe run</c> command wrote: in its <c>--out</c> folder, or <c>out/&lt;pipeline name&gt;</c>.</summary>
        public string OutputFile(GuideCommand command, string fileName)
        {
            var outOption = Regex.Match(command.Text, @"--out (\S+)");
            string folder = outOption.Success ? outOption.Groups[1].Value
                : Path.Combine("out", Path.GetFileNameWithoutExtension(Regex.Match(command.Text, @"^genpipe run (\S+)").Groups[1].Value));
            string path = Path.GetFullPath(Path.Combine(_temp.Combine(command.Cwd), folder, fileName));
            command.Changed.ShouldContain(path, $"{fileName} was not written by:\n{command}");
            return path;
        }

        /// <summary>The float parameters' defaults of a pipeline file of the guide.</summary>
        public Dictionary<string, double> PipelineDefaults(string file)
        {
            var parameters = JsonNode.Parse(_files[file])!["parameters"]!.AsObject();
            return parameters.ToDictionary(p => p.Key, p => p.Value!["default"]!.GetValue<double>(), StringComparer.Ordinal);
        }

        public void Log(ITestOutputHelper output)
        {
            output.WriteLine($"docs/plugins.md: {_files.Count} files, {Commands.Count} commands, {_clock.Elapsed.TotalSeconds:0.0} s in all");
            foreach (var command in Commands)
            {
                output.WriteLine($"  {command.Elapsed.TotalSeconds,5:0.0} s  exit {command.ExitCode}  (in {command.Cwd}/) {command.Text}");
            }
        }

        public async Task InitializeAsync()
        {
            _clock.Start();
            Parse(await File.ReadAllLinesAsync(Path.Combine(_root, "docs", "plugins.md")));
            foreach (var (path, text) in _files)
            {
                string target = _temp.Combine(path);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                await File.WriteAllTextAsync(target, text);
            }

            // genpipe/ stands for the clone: the commands name its pipelines/ folder.
            Directory.CreateDirectory(_temp.Combine("genpipe", "pipelines"));
            foreach (string pipeline in Directory.GetFiles(Path.Combine(_root, "pipelines"), "*.json"))
            {
                File.Copy(pipeline, _temp.Combine("genpipe", "pipelines", Path.GetFileName(pipeline)));
            }

            foreach (var command in Commands)
            {
                var before = Snapshot();
                var clock = Stopwatch.StartNew();
                var result = await RunAsync(command);
                (command.ExitCode, command.Output, command.Error) = (result.ExitCode, result.Output, result.Error);
                command.Elapsed = clock.Elapsed;
                var after = Snapshot();
                command.Changed = after.Where(f => !before.TryGetValue(f.Key, out var old) || old != f.Value).Select(f => f.Key).Order(StringComparer.Ordinal).ToList();
            }

            _clock.Stop();
        }

        public Task DisposeAsync()
        {
            _temp.Dispose();
            return Task.CompletedTask;
        }

        /// <summary>Reads the marked files, the bash commands with the folder each runs in, and the marked output blocks.</summary>
        private void Parse(string[] lines)
        {
            string cwd = "";
            string? nextFile = null;
            bool nextIsOutput = false;
            List<GuideCommand> lastBlock = [];
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i];
                var file = Regex.Match(line, @"^<!-- file: (\S+) -->$");
                if (file.Success)
                {
                    nextFile = file.Groups[1].Value;
                    continue;
                }

                if (line.Trim() == "<!-- output -->")
                {
                    nextIsOutput = true;
                    continue;
                }

                if (!line.StartsWith("```", StringComparison.Ordinal))
                {
                    // "From `AffineDecoder/`:" and "from `genpipe/`" set the folder the next commands run in.
                    var from = Regex.Match(line, @"[Ff]rom `([^`/]+)/`");
                    if (from.Success)
                    {
                        cwd = from.Groups[1].Value;
                    }

                    (nextFile is null && !nextIsOutput).ShouldBeTrue($"docs/plugins.md line {i + 1}: a file or output marker must come right before a fenced block");
                    continue;
                }

                string language = line[3..].Trim();
                var body = new List<string>();
                for (i++; i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal); i++)
                {
                    body.Add(lines[i]);
                }

                if (nextFile is not null)
                {
                    _files.Add(nextFile, string.Join("\n", body) + "\n");
                }
                else if (nextIsOutput)
                {
                    ShownOutputs.Add((body, lastBlock));
                }
                else if (language == "bash")
                {
                    lastBlock = [.. MarkdownDocs.ShellCommands(body).Select(c => new GuideCommand(cwd, c, ExpectedExit(c)))];
                    Commands.AddRange(lastBlock);
                }

                nextFile = null;
                nextIsOutput = false;
            }

            _files.Keys.ShouldBe(
                ["AffineDecoder/AffineDecoder.csproj", "AffineDecoder/AffineDecoder.cs", "AffineDecoder/ClampOperator.cs", "AffineDecoder/clamped-mixture.json",
                 "AffineDecoder.Tests/AffineDecoder.Tests.csproj", "AffineDecoder.Tests/AffineTests.cs"],
                ignoreOrder: true);
        }

        /// <summary>0, or the code a trailing comment promises ("# exit code 2").</summary>
        private static int ExpectedExit(string command)
        {
            var promised = Regex.Match(command, @"#.*exit code (\d+)");
            return promised.Success ? int.Parse(promised.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        }

        private async Task<CliResult> RunAsync(GuideCommand command)
        {
            string text = command.Text;
            if (text.StartsWith("dotnet ", StringComparison.Ordinal))
            {
                // The guide's csproj looks for the clone beside it; here the clone is this repository.
                int comment = text.IndexOf(" #", StringComparison.Ordinal);
                text = (comment < 0 ? text : text[..comment]) + $" -p:GenPipeRoot={_root}/";
            }

            var start = new ProcessStartInfo("bash")
            {
                WorkingDirectory = _temp.Combine(command.Cwd),
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"genpipe() {{ \"$GENPIPE_EXECUTABLE\" \"$@\"; }}\n{text}");
            start.Environment["GENPIPE_EXECUTABLE"] = RealProcess.Executable;
            start.Environment["DOTNET_NOLOGO"] = "1";
            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

            // This process runs under a test host; a nested build and test run must not inherit its MSBuild and VSTest settings.
            foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                start.Environment.Remove(name);
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"docs/plugins.md: '{command.Text}' did not finish within 5 minutes.");
            }

            return new CliResult(process.ExitCode, await stdout, await stderr);
        }

        /// <summary>The files under genpipe/out and my-plugins, with their length and write time.</summary>
        private Dictionary<string, (long, DateTime)> Snapshot()
        {
            string folder = _temp.Combine("genpipe", "out");
            return Directory.Exists(folder)
                ? new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).ToDictionary(f => f.FullName, f => (f.Length, f.LastWriteTimeUtc), StringComparer.Ordinal)
                : [];
        }
    }
}
