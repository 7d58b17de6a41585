using System.Text.Json;
using System.Text.Json.Nodes;
using GenPipe.Core.Imaging;
using Shouldly;

namespace GenPipe.Cli.Tests;

/// <summary>
/// <c>genpipe eval</c> on the repository's digits pipelines (so the default data set and classifier beside the
/// pipeline's folder are found): the table, eval.json's numbers and eval.png, in-process and as a real process in a
/// terminal and piped; a conditional eval of the text-to-digit pipeline; refusals (exit 2) that name the option and
/// write nothing; Ctrl+C (exit 1, nothing written).
/// </summary>
public sealed class EvalCommandTests
{
    private static readonly string Vae = Path.Combine(Repository.Root, "pipelines", "digits-vae.json");
    private static readonly string Text = Path.Combine(Repository.Root, "pipelines", "digits-text.json");

    [Fact]
    public async Task An_unconditional_eval_prints_the_table_and_writes_sane_numbers_and_a_grid()
    {
        using var temp = new TempFolder();
        string outDir = temp.Combine("eval");

        var result = await CliRunner.RunAsync("eval", Vae, "--count", "200", "--batch", "100", "--seed", "3", "--out", outDir, "-q");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Output.ShouldContain("FLD / floor");
        result.Output.ShouldContain("near copies");
        result.Output.ShouldNotContain("accuracy", Case.Insensitive, "unconditional samples have no digit asked for");
        result.Error.ShouldBeEmpty("-q prints nothing on stderr");

        var json = ReadJson(outDir);
        json["count"]!.GetValue<int>().ShouldBe(200);
        json["pipeline"]!["name"]!.GetValue<string>().ShouldBe("digits-vae");
        json["condition"].ShouldBeNull();
        json["batches"]!.AsArray().Select(b => (b!["seed"]!.GetValue<int>(), b["count"]!.GetValue<int>())).ShouldBe([(3, 100), (4, 100)]);
        json["command"]!.GetValue<string>().ShouldStartWith("genpipe eval ");

        var fld = json["fld"]!;
        double samples = fld["samples_vs_held_out"]!.GetValue<double>(), floor = fld["floor_train_vs_held_out"]!.GetValue<double>();
        samples.ShouldBeGreaterThan(0);
        floor.ShouldBeGreaterThan(0);
        fld["ratio"]!.GetValue<double>().ShouldBe(samples / floor, 1e-9);
        fld["floor_count"]!.GetValue<int>().ShouldBe(200);
        fld["held_out_count"]!.GetValue<int>().ShouldBe(2000);

        var classes = json["classes"]!;
        classes["accuracy"].ShouldBeNull();
        double[] coverage = Doubles(classes["coverage"]!);
        coverage.Length.ShouldBe(10);
        coverage.Sum().ShouldBe(1, 1e-9);
        coverage.ShouldAllBe(share => share >= 0 && share <= 1);
        classes["minimum_share"]!.GetValue<double>().ShouldBe(coverage.Min());
        classes["held_out"]!["accuracy"]!.GetValue<double>().ShouldBe(0.99, "the classifier's 1980 of 2000 held-out digits");

        var memory = json["memorization"]!;
        double sampleMedian = memory["median_sample_distance"]!.GetValue<double>(), heldOutMedian = memory["median_held_out_distance"]!.GetValue<double>();
        sampleMedian.ShouldBeGreaterThan(0, "a VAE's samples are not copies");
        heldOutMedian.ShouldBeInRange(1, 28, "an L2 distance over 784 pixels in [0, 1]");
        memory["ratio"]!.GetValue<double>().ShouldBe(sampleMedian / heldOutMedian, 1e-9);
        memory["near_copy_share"]!.GetValue<double>().ShouldBeInRange(0, 1);
        json["likelihood"].ShouldBeNull();

        var png = PngReader.Read(File.ReadAllBytes(Path.Combine(outDir, "eval.png")));
        png.Width.ShouldBeGreaterThanOrEqualTo(10 * 28);
        png.Height.ShouldBeGreaterThanOrEqualTo(10 * 28, "100 of the 200 samples, 10 per row");
        Directory.GetFiles(outDir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray().ShouldBe(["eval.json", "eval.png"], "no temporary files left");
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_numbers()
    {
        using var temp = new TempFolder();

        var first = await CliRunner.RunAsync("eval", Vae, "--count", "100", "--batch", "50", "--out", temp.Combine("a"), "-q");
        var second = await CliRunner.RunAsync("eval", Vae, "--count", "100", "--batch", "50", "--out", temp.Combine("b"), "-q");

        first.ExitCode.ShouldBe(0, first.ToString());
        second.ExitCode.ShouldBe(0, second.ToString());
        string Numbers(string folder) => ReadJson(folder)["fld"]!.ToJsonString() + ReadJson(folder)["memorization"]!.ToJsonString();
        Numbers(temp.Combine("a")).ShouldBe(Numbers(temp.Combine("b")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_real_process_shows_progress_and_writes_both_files(bool terminal)
    {
        using var temp = new TempFolder();

        var result = await RealProcess.RunAsync(temp.Path, terminal, "eval", Vae, "--count", "200", "--batch", "100", "--out", "out");

        result.ExitCode.ShouldBe(0, result.ToString());
        string all = result.Output + result.Error;
        StackTraces.In(all).ShouldBeFalse(result.ToString());
        all.ShouldContain("FLD / floor");
        File.Exists(Path.Combine(temp.Path, "out", "eval.json")).ShouldBeTrue(result.ToString());
        File.Exists(Path.Combine(temp.Path, "out", "eval.png")).ShouldBeTrue(result.ToString());
        if (terminal)
        {
            all.ShouldContain("\u001b[", Case.Sensitive, "a terminal gets live progress (ANSI) output");
        }
        else
        {
            result.Error.ShouldContain("[batch 1/2]");
            result.Error.ShouldContain("[batch 2/2]");
            result.Error.ShouldContain("[score]");
            result.Output.ShouldNotContain("\u001b[");
        }
    }

    [Fact]
    public async Task A_conditional_eval_reports_accuracy_for_the_digit_each_prompt_asks_for()
    {
        using var temp = new TempFolder();

        var result = await CliRunner.RunAsync(
            "eval", Text, "--condition", "prompt={a} {word}", "--count", "100", "--batch", "50", "--set", "steps=10", "--out", temp.Path, "-q");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Output.ShouldContain("accuracy");
        var json = ReadJson(temp.Path);
        var condition = json["condition"]!;
        condition["parameter"]!.GetValue<string>().ShouldBe("prompt");
        condition["values"]!.AsArray().Select(v => v!.GetValue<string>()).ShouldBe(
            ["a zero", "a one", "a two", "a three", "a four", "a five", "a six", "a seven", "an eight", "a nine"]);
        var batches = json["batches"]!.AsArray();
        batches.Select(b => b!["digit"]!.GetValue<int>()).ShouldBe(Enumerable.Range(0, 10), "ten samples per digit, one batch each");
        batches.Select(b => b!["seed"]!.GetValue<int>()).ShouldBe(Enumerable.Range(0, 10));
        json["pipeline"]!["overrides"]!.AsArray().Select(o => o!.GetValue<string>()).ShouldBe(["steps=10"]);

        var classes = json["classes"]!;
        double accuracy = classes["accuracy"]!.GetValue<double>();
        accuracy.ShouldBeInRange(0, 1);
        classes["mean_confidence"]!.GetValue<double>().ShouldBeInRange(0, 1);
        Doubles(classes["accuracy_per_digit"]!).Length.ShouldBe(10);
        Doubles(classes["coverage"]!).Sum().ShouldBe(1, 1e-9);
        File.Exists(Path.Combine(temp.Path, "eval.png")).ShouldBeTrue();
    }

    [Theory]
    [InlineData("--count=1", "--count 1")]
    [InlineData("--batch=0", "--batch 0")]
    [InlineData("--set=count=5", "--set count=5: eval sets 'count' itself")]
    [InlineData("--set=seed=5", "use --seed")]
    [InlineData("--condition=prompt=a {word}", "--condition: the pipeline has no parameter 'prompt'")]
    [InlineData("--condition=temperature=1", "names no digit")]
    [InlineData("--condition=temperature={digit}{x}", "placeholders are")]
    [InlineData("--condition=no template", "PARAMETER=TEMPLATE")]
    [InlineData("--output=latent", "--output: the pipeline has no output 'latent' (it has: digits, files)")]
    [InlineData("--data=missing.safetensors", "--data: no digits data set at")]
    [InlineData("--classifier=missing-folder", "--classifier: no config.json in")]
    [InlineData("--set=temperature=-1", "parameter 'temperature'")]
    public async Task Bad_options_exit_2_naming_the_option_and_write_nothing(string option, string message)
    {
        using var temp = new TempFolder();

        string[] count = option.StartsWith("--count", StringComparison.Ordinal) ? [] : ["--count", "20"];

        var result = await CliRunner.RunAsync(["eval", Vae, option, .. count, "--out", temp.Combine("out")]);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain(message, Case.Sensitive, result.ToString());
        StackTraces.In(result.Error).ShouldBeFalse(result.ToString());
        Directory.Exists(temp.Combine("out")).ShouldBeFalse(result.ToString());
    }

    [Fact]
    public async Task An_output_that_is_not_digits_is_refused_with_the_option_to_fix()
    {
        using var temp = new TempFolder();

        var result = await CliRunner.RunAsync(
            "eval", Path.Combine(Repository.Root, "pipelines", "gaussian-mixture.json"), "--output", "samples", "--count", "20", "--batch", "10",
            "--set", "steps=2", "--out", temp.Combine("out"), "-q");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("--output: the pipeline's output 'samples' is [10, 2] for count=10");
        Directory.Exists(temp.Combine("out")).ShouldBeFalse();
    }

    [Fact]
    public async Task A_pipeline_without_a_count_parameter_is_refused()
    {
        using var temp = new TempFolder();
        var document = JsonNode.Parse(await File.ReadAllTextAsync(Vae))!;
        document["parameters"]!.AsObject().Remove("count");
        document["parameters"]!["model"]!["default"] = Path.Combine(Repository.Root, "models", "digits-vae");
        document["steps"]![0]!["in"]!["count"] = 8;
        string pipeline = temp.Combine("fixed-count.json");
        await File.WriteAllTextAsync(pipeline, document.ToJsonString());

        var result = await CliRunner.RunAsync("eval", pipeline, "--out", temp.Combine("out"));

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Error.ShouldContain("the pipeline has no 'count' parameter (it declares: model, seed, temperature, name)");
        Directory.Exists(temp.Combine("out")).ShouldBeFalse();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Ctrl_C_cancels_the_eval_and_writes_nothing(bool terminal)
    {
        using var temp = new TempFolder();
        using var process = RealProcess.Start(temp.Path, terminal, "eval", Vae, "--count", "8000", "--batch", "20", "--out", "out");
        await process.WaitForAsync(terminal ? "sampling" : "[batch 1/", TimeSpan.FromSeconds(60));

        process.Interrupt();
        var result = await process.WaitAsync(TimeSpan.FromSeconds(60));

        result.ExitCode.ShouldBe(1, result.ToString());
        (result.Output + result.Error).ShouldContain("nothing was written");
        StackTraces.In(result.Output + result.Error).ShouldBeFalse(result.ToString());
        Directory.GetFileSystemEntries(temp.Path).ShouldBeEmpty(result.ToString());
    }

    [Fact]
    public async Task Help_lists_the_options()
    {
        var result = await CliRunner.RunAsync("eval", "--help");

        result.ExitCode.ShouldBe(0, result.ToString());
        foreach (string option in new[] { "--count", "--batch", "--condition", "--seed", "--data", "--classifier", "--output", "--out", "--set" })
        {
            result.Output.ShouldContain(option);
        }

        result.Output.ShouldContain("Exit codes:");
    }

    private static JsonNode ReadJson(string folder) => JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "eval.json")))!;

    private static double[] Doubles(JsonNode array) => [.. array.AsArray().Select(v => v!.GetValue<double>())];
}
