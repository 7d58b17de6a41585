using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using GenPipe.Core.Pipelines;
using GenPipe.Core.Tests.Fakes;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests;

/// <summary>
/// Long option arrays are kept out of the node tree and bind from the file's bytes (<see cref="PipelineDocument"/>).
/// Every way the nodes are read instead (an override, a config file, an ignored key, a value that fails) must see the
/// real array, never the blank left in its place.
/// </summary>
public sealed class LargeOptionsTests : IAsyncLifetime
{
    private const int Pairs = 2000;

    private readonly TestHost _host = new();
    private readonly TempFolder _temp = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _temp.Dispose();
    }

    // Means with distinct values, some written with exponents, a comment and a trailing comma inside.
    private static string MeansText(Func<int, int, string>? cell = null)
    {
        var text = new StringBuilder("[ /* two per row */\n");
        for (int i = 0; i < Pairs; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"  [{cell?.Invoke(i, 0) ?? Value(i, 0)}, {cell?.Invoke(i, 1) ?? Value(i, 1)}],\n");
        }

        return text.Append(']').ToString();
    }

    private static string Value(int row, int column) =>
        column == 0 ? (row * 0.001).ToString("R", CultureInfo.InvariantCulture) : $"-{row + 1}e-3";

    private static double[][] ExpectedMeans() =>
        [.. Enumerable.Range(0, Pairs).Select(i => new[] { Parse(Value(i, 0)), Parse(Value(i, 1)) })];

    private static double Parse(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    private static string Pipeline(string means, string denoiserType = "denoiser/fake", string extraOptions = "", string extraComponent = "") => $$"""
        {
          "components": {
            "denoiser": { "type": "{{denoiserType}}"{{extraComponent}}, "options": { "means": {{means}}, "scale": 2{{extraOptions}} } },
            "scheduler": { "type": "scheduler/fake-ddim" }
          },
          "steps": [ { "id": "latents", "op": "diffuse", "with": { "denoiser": "denoiser", "scheduler": "scheduler" }, "in": { "steps": 2 } } ]
        }
        """;

    private static FakeDenoiserOptions Denoiser(CompiledPipeline compiled) =>
        (FakeDenoiserOptions)compiled.Components.Single(c => c.Name == "denoiser").Options;

    [Fact]
    public void A_long_array_is_blanked_in_the_node_tree_and_binds_from_the_file()
    {
        string json = Pipeline(MeansText());
        var document = PipelineDocument.Parse(Encoding.UTF8.GetBytes(json), "p.json", CancellationToken.None);
        var blank = document.Root!["components"]!["denoiser"]!["options"]!["means"].ShouldBeOfType<JsonArray>();
        blank.Count.ShouldBe(0, "the mechanism these tests exercise must be engaged");
        document.Root!["components"]!["denoiser"]!["options"]!["scale"]!.GetValue<double>().ShouldBe(2);

        var options = Denoiser(_host.Load(json));
        options.Means.ShouldBe(ExpectedMeans());
        options.Scale.ShouldBe(2);
    }

    [Fact]
    public void An_override_beside_a_long_array_keeps_the_array()
    {
        var options = Denoiser(_host.Load(Pipeline(MeansText()), "components.denoiser.options.scale=5"));
        options.Scale.ShouldBe(5);
        options.Means.ShouldBe(ExpectedMeans());
    }

    [Fact]
    public void An_override_of_the_long_array_itself_replaces_it()
    {
        var options = Denoiser(_host.Load(Pipeline(MeansText()), "components.denoiser.options.means=[[1,2],[3,4]]"));
        options.Means.ShouldBe([[1.0, 2.0], [3.0, 4.0]]);
    }

    [Fact]
    public void An_override_into_one_row_of_a_long_array_changes_only_that_row()
    {
        var options = Denoiser(_host.Load(Pipeline(MeansText()), "components.denoiser.options.means.3=[9,9]"));
        var expected = ExpectedMeans();
        expected[3] = [9.0, 9.0];
        options.Means.ShouldBe(expected);
    }

    [Fact]
    public void A_config_file_merged_under_the_options_keeps_the_array()
    {
        File.WriteAllText(Path.Combine(_temp.Root, "denoiser_config.json"), """{ "scale": 7 }""");
        string file = Path.Combine(_temp.Root, "p.json");
        File.WriteAllText(file, Pipeline(MeansText(), extraComponent: ", \"config\": \"denoiser_config.json\"").Replace("\"scale\": 2", "\"scale\": 3", StringComparison.Ordinal));

        var options = Denoiser(_host.Engine.LoadFile(file));
        options.Scale.ShouldBe(3, "the pipeline's own options win over the config file");
        options.Means.ShouldBe(ExpectedMeans());
    }

    [Fact]
    public void An_ignored_key_beside_a_long_array_keeps_the_array()
    {
        var compiled = _host.Load(Pipeline(MeansText(), "denoiser/fake-lenient", ", \"extra\": 1"));
        compiled.Warnings.ShouldHaveSingleItem().JsonPath.ShouldBe("$.components.denoiser.options.extra");
        Denoiser(compiled).Means.ShouldBe(ExpectedMeans());
    }

    [Fact]
    public void A_bad_value_deep_in_a_long_array_is_reported_at_its_index()
    {
        string json = Pipeline(MeansText((row, column) => row == 1500 && column == 1 ? "\"x\"" : Value(row, column)));
        var d = _host.Errors(json).ShouldHaveSingleItem();
        d.JsonPath.ShouldBe("$.components.denoiser.options.means");
        d.Message.ShouldBe("option 'means': expected an array of arrays of numbers, got an array (at means[1500][1])");
    }

    [Fact]
    public void A_repeated_key_inside_a_step_is_found_although_the_parser_cannot_say_where()
    {
        string json = Pipeline(MeansText()).Replace("\"in\": { \"steps\": 2 }", "\"in\": { \"steps\": 2, \"steps\": 3 }", StringComparison.Ordinal);
        var d = _host.Errors(json).ShouldHaveSingleItem();
        d.JsonPath.ShouldBe("$.steps[0].in.steps");
        d.Message.ShouldBe("the key 'steps' appears twice in the same object; remove one");
        (d.Line, d.Column).ShouldBe(Samples.PositionOf(json, "\"steps\": 3"));
    }

    [Fact]
    public void Malformed_text_inside_a_long_array_is_a_syntax_error_at_its_position()
    {
        string json = Pipeline(MeansText((row, column) => row == 1700 && column == 0 ? "1..5" : Value(row, column)));
        var d = _host.Errors(json).ShouldHaveSingleItem();
        d.Message.ShouldStartWith("malformed JSON: ");
        var (line, column) = Samples.PositionOf(json, "1..5");
        (d.Line, d.Column).ShouldBe((line, column + 2), "the reader stops at the second point");
    }
}
