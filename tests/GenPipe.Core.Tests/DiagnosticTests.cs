using GenPipe.Core.Tests.Fakes;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests;

/// <summary>Each kind of compile error: its JSON path, line and column, message and suggestion.</summary>
public sealed class DiagnosticTests : IAsyncLifetime
{
    private readonly TestHost _host = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public void MalformedJsonReportsTheReadersPosition()
    {
        const string json = "{\n  \"name\": \"broken\",\n  \"steps\": [\n    { \"id\": \"x\" \"op\": \"add\" }\n  ]\n}\n";
        var d = _host.Errors(json).ShouldHaveSingleItem();
        d.JsonPath.ShouldBe("$");
        (d.Line, d.Column).ShouldBe((4, 17)); // the "op" that should have been preceded by a comma
        d.Message.ShouldStartWith("malformed JSON");
        d.File.ShouldBe(TestHost.SourceName);
    }

    [Fact]
    public void ColumnsCountCharactersNotBytes()
    {
        const string json = "{ \"description\": \"äöü ✓\", \"nam\": 1, \"steps\": [] }";
        var d = _host.Errors(json).ShouldHaveSingleItem();
        d.JsonPath.ShouldBe("$.nam");
        (d.Line, d.Column).ShouldBe((1, 27));
        d.Suggestion.ShouldBe("name");
    }

    [Fact]
    public void TopLevelMustBeAnObject()
    {
        var d = _host.Errors("\n  [1, 2]").ShouldHaveSingleItem();
        (d.JsonPath, d.Line, d.Column).ShouldBe(("$", 2, 3));
        d.Message.ShouldContain("must be a JSON object");
    }

    [Fact]
    public void UnknownTopLevelKeyIsReportedAtTheKeyWithSuggestion()
    {
        string json = Samples.Mixture.Replace("\"description\": \"two", "\"descripton\": \"two", StringComparison.Ordinal);
        var d = _host.Errors(json).ShouldHaveSingleItem();
        Expect(d, json, "$.descripton", "\"descripton\"");
        d.Suggestion.ShouldBe("description");
        d.Message.ShouldContain("unknown top-level key 'descripton'");
    }

    [Fact]
    public void MissingStepsArrayIsAnError()
    {
        var d = _host.Errors("""{ "name": "x" }""").ShouldHaveSingleItem();
        d.JsonPath.ShouldBe("$");
        d.Message.ShouldContain("needs a \"steps\" array");
    }

    [Fact]
    public void UnknownComponentTypeSuggestsTheClosestId()
    {
        string json = Samples.Mixture.Replace("\"denoiser/fake\"", "\"denoiser/fak\"", StringComparison.Ordinal);
        var d = _host.Errors(json).ShouldHaveSingleItem();
        Expect(d, json, "$.components.denoiser.type", "\"denoiser/fak\"");
        d.Suggestion.ShouldBe("denoiser/fake");
    }

    [Fact]
    public void UnknownOperatorSuggestsAndFormatsLikeACompiler()
    {
        string json = Samples.Mixture.Replace("\"diffuse\"", "\"difuse\"", StringComparison.Ordinal);
        var errors = _host.Errors(json);
        var d = errors.ShouldHaveSingleItem();
        Expect(d, json, "$.steps[0].op", "\"difuse\"");
        (d.Line, d.Column).ShouldBe((16, 30));
        d.ToString().ShouldBe("pipelines/test.json(16,30): error at $.steps[0].op: unknown operator 'difuse'. Did you mean 'diffuse'?");
    }

    [Fact]
    public void UnknownOptionKeyIsAnErrorWithSuggestion()
    {
        string json = Samples.Mixture.Replace("\"eta\": 0.0", "\"etta\": 0.0", StringComparison.Ordinal);
        var d = _host.Errors(json).ShouldHaveSingleItem();
        Expect(d, json, "$.components.scheduler.options.etta", "\"etta\"");
        d.Suggestion.ShouldBe("eta");
        d.Message.ShouldContain("beta_start");
    }

    [Fact]
    public void UnknownOptionKeyIsAWarningWhenTheComponentIgnoresUnknownOptions()
    {
        string json = Samples.Mixture
            .Replace("\"scheduler/fake-ddim\"", "\"scheduler/fake-euler\"", StringComparison.Ordinal)
            .Replace("\"eta\": 0.0", "\"eta\": 0.5, \"clip_sample\": true", StringComparison.Ordinal);
        var pipeline = _host.Load(json);
        var w = pipeline.Warnings.ShouldHaveSingleItem();
        w.Severity.ShouldBe(PipelineDiagnosticSeverity.Warning);
        Expect(w, json, "$.components.scheduler.options.clip_sample", "\"clip_sample\"");
        w.ToString().ShouldStartWith("pipelines/test.json(13,77): warning");
        w.ToString().ShouldContain(": warning at $.components.scheduler.options.clip_sample: option 'clip_sample' is not used");
        pipeline.Components[1].Options.ShouldBeOfType<FakeSchedulerOptions>().Eta.ShouldBe(0.5);
    }

    [Fact]
    public void MistypedOptionSaysWhatWasExpected()
    {
        string json = Samples.Mixture.Replace("\"scale\": 2", "\"scale\": \"big\"", StringComparison.Ordinal);
        var d = _host.Errors(json).ShouldHaveSingleItem();
        Expect(d, json, "$.components.denoiser.options.scale", "\"big\"");
        d.Message.ShouldBe("option 'scale': expected a number, got a string (\"big\")");
    }

    [Fact]
    public void MistypedNestedOptionNamesTheElement()
    {
        string json = Samples.Mixture.Replace("[3, 3]", "[3, \"x\"]", StringComparison.Ordinal);
        var d = _host.Errors(json).ShouldHaveSingleItem();
        Expect(d, json, "$.components.denoiser.options.means", "[[0, 0]");
        d.Message.ShouldContain("expected an array of arrays of numbers");
        d.Message.ShouldContain("means[1][1]");
    }

    [Fact]
    public void ValidatableOptionsReportEachProblemAtItsPath()
    {
        string json = Samples.Mixture.Replace("[3, 3]", "[3]", StringComparison.Ordinal);
        var d = _host.Errors(json).ShouldHaveSingleItem();
        Expect(d, json, "$.components.denoiser.options.means[1]", "[3]");
        d.Message.ShouldBe("every mean needs 2 coordinates, this one has 1");
    }

    [Fact]
    public void MissingRequiredInputPointsAtTheInObject()
    {
        string json = Samples.Mixture.Replace("\"steps\": \"$steps\", ", "", StringComparison.Ordinal);
        var d = _host.Errors(json).ShouldHaveSingleItem();
        Expect(d, json, "$.steps[0].in", "{ \"seed\"");
        d.Message.ShouldBe("operator 'diffuse' needs input 'steps' (int): add \"steps\": <value> to the step's \"in\"");
    }

    [Fact]
    public void UnknownInputSuggestsThePortName()
    {
        string json = Samples.Mixture.Replace("\"count\": 3", "\"cont\": 3", StringComparison.Ordinal);
        var d = _host.Errors(json).ShouldHaveSingleItem();
        Expect(d, json, "$.steps[0].in.cont", "\"cont\"");
        d.Suggestion.ShouldBe("count");
    }

    [Fact]
    public void MistypedLiteralInputs()
    {
        string json = Samples.Mixture
            .Replace("\"count\": 3", "\"count\": 2.5", StringComparison.Ordinal)
            .Replace("\"in\": { \"latents\": \"@latents\"", "\"in\": { \"latents\": 12", StringComparison.Ordinal);
        var errors = _host.Errors(json);
        errors.Count.ShouldBe(2);
        Expect(errors[0], json, "$.steps[0].in.count", "2.5", occurrence: 2);
        errors[0].Message.ShouldBe("input 'count' of operator 'diffuse': expected an integer (int), got a number (2.5)");
        Expect(errors[1], json, "$.steps[1].in.latents", "12 }");
        errors[1].Message.ShouldContain("expected a FakeLatents produced by another step");
    }

    [Fact]
    public void NumbersOutOfRangeAreErrorsNotCrashes()
    {
        const string json = """{ "steps": [ { "id": "x", "op": "add", "in": { "a": 1e400 } }, { "id": "y", "op": "diffuse", "in": { "steps": 3000000000 } } ] }""";
        var errors = _host.Errors(json);
        
        // Two missing slots of step y, then the numbers.
        errors.Select(e => e.JsonPath).ShouldBe(["$.steps[0].in.a", "$.steps[1]", "$.steps[1]", "$.steps[1].in.steps"]);
        errors[0].Message.ShouldBe("input 'a' of operator 'add': expected a finite number, got a number (1e400)");
        errors[3].Message.ShouldContain("expected an integer (int)");
    }

    [Fact]
    public void BareStepIdWhereAStepOutputIsExpectedSuggestsTheReference()
    {
        string json = Samples.Mixture.Replace("{ \"latents\": \"@latents\"", "{ \"latents\": \"latents\"", StringComparison.Ordinal);
        var d = _host.Errors(json).ShouldHaveSingleItem();
        d.JsonPath.ShouldBe("$.steps[1].in.latents");
        d.Suggestion.ShouldBe("@latents");
    }

    [Fact]
    public void ParameterOfTheWrongTypeForThePort()
    {
        string json = Samples.Mixture.Replace("\"name\": \"$label\"", "\"name\": \"$steps\"", StringComparison.Ordinal);
        var d = _host.Errors(json).ShouldHaveSingleItem();
        Expect(d, json, "$.steps[2].in.name", "\"$steps\" }");
        d.Message.ShouldBe("input 'name' of operator 'save' expects string, but parameter '$steps' is an int; change the parameter's type or use another input");
    }

    [Fact]
    public void StepOutputOfTheWrongTypeForThePort()
    {
        const string json = """
        { "steps": [
            { "id": "t", "op": "text", "in": { "value": "hello" } },
            { "id": "x", "op": "add", "in": { "a": "@t" } } ] }
        """;
        var d = _host.Errors(json).ShouldHaveSingleItem();
        Expect(d, json, "$.steps[1].in.a", "\"@t\"");
        d.Message.ShouldBe("input 'a' of operator 'add' expects float, but step 't' produces string");
    }

    [Fact]
    public void ReferencesToNothingAreAllReportedWithSuggestions()
    {
        string json = Samples.Mixture
            .Replace("\"$steps\"", "\"$stepz\"", StringComparison.Ordinal)
            .Replace("{ \"latents\": \"@latents\" }", "{ \"latents\": \"@latentz\" }", StringComparison.Ordinal)
            .Replace("\"scheduler\": \"scheduler\"", "\"scheduler\": \"schedular\"", StringComparison.Ordinal)
            .Replace("\"samples\": \"images\"", "\"samples\": \"imagez\"", StringComparison.Ordinal);
        var errors = _host.Errors(json);
        errors.Count.ShouldBe(4);

        Expect(errors[0], json, "$.steps[0].with.scheduler", "\"schedular\"");
        errors[0].Suggestion.ShouldBe("scheduler");
        errors[0].Message.ShouldContain("no component named 'schedular'");

        Expect(errors[1], json, "$.steps[0].in.steps", "\"$stepz\"");
        errors[1].Suggestion.ShouldBe("$steps");

        Expect(errors[2], json, "$.steps[1].in.latents", "\"@latentz\"");
        errors[2].Suggestion.ShouldBe("@latents");

        Expect(errors[3], json, "$.outputs.samples", "\"imagez\"");
        errors[3].Suggestion.ShouldBe("images");
    }

    [Fact]
    public void ComponentOfAnotherContractIsRejectedWithTheOneThatFits()
    {
        string json = Samples.Mixture.Replace("\"scheduler\": \"scheduler\"", "\"scheduler\": \"denoiser\"", StringComparison.Ordinal);
        var d = _host.Errors(json).ShouldHaveSingleItem();
        Expect(d, json, "$.steps[0].with.scheduler", "\"denoiser\" }");
        d.Message.ShouldStartWith("component 'denoiser' (denoiser/fake) is an IFakeDenoiser, but slot 'scheduler' of operator 'diffuse' needs an IFakeScheduler");
        d.Suggestion.ShouldBe("scheduler");
    }

    [Fact]
    public void MissingAndUnknownSlots()
    {
        string json = Samples.Mixture.Replace("\"denoiser\": \"denoiser\", ", "\"denoisr\": \"denoiser\", ", StringComparison.Ordinal);
        var errors = _host.Errors(json);
        errors.Count.ShouldBe(2);
        Expect(errors[0], json, "$.steps[0].with.denoisr", "\"denoisr\"");
        errors[0].Suggestion.ShouldBe("denoiser");
        Expect(errors[1], json, "$.steps[0].with", "{ \"denoisr\"");
        errors[1].Message.ShouldContain("needs a component in slot 'denoiser'");
    }

    [Fact]
    public void DuplicateStepIds()
    {
        const string json = """
        { "steps": [
            { "id": "a", "op": "add", "in": { "a": 1 } },
            { "id": "a", "op": "add", "in": { "a": 2 } } ] }
        """;
        var d = _host.Errors(json).ShouldHaveSingleItem();
        Expect(d, json, "$.steps[1].id", "\"a\"", occurrence: 3);
        d.Message.ShouldBe("duplicate step id 'a' (already used by $.steps[0]); give each step its own id");
    }

    [Fact]
    public void CyclesAreNamed()
    {
        const string json = """
        { "steps": [
            { "id": "a", "op": "add", "in": { "a": "@c" } },
            { "id": "b", "op": "add", "in": { "a": "@a" } },
            { "id": "c", "op": "add", "in": { "a": "@b" } },
            { "id": "d", "op": "add", "in": { "a": "@d" } } ] }
        """;
        var errors = _host.Errors(json);
        errors.Count.ShouldBe(2);
        Expect(errors[0], json, "$.steps[1].in.a", "\"@a\"");
        errors[0].Message.ShouldStartWith("the steps form a cycle: a -> c -> b -> a");
        Expect(errors[1], json, "$.steps[3].in.a", "\"@d\"");
        errors[1].Message.ShouldStartWith("the steps form a cycle: d -> d");
    }

    [Fact]
    public void ParameterDefaultOfTheWrongType()
    {
        string json = Samples.Mixture
            .Replace("\"default\": 4", "\"default\": \"four\"", StringComparison.Ordinal)
            .Replace("\"default\": 2.5", "\"default\": true", StringComparison.Ordinal);
        var errors = _host.Errors(json);
        errors.Count.ShouldBe(2);
        Expect(errors[0], json, "$.parameters.steps.default", "\"four\"");
        errors[0].Message.ShouldBe("parameter 'steps' is an int, but its value is a string (\"four\"); give an integer");
        Expect(errors[1], json, "$.parameters.guidance.default", "true");
    }

    [Fact]
    public void UnknownParameterTypeIsSuggested()
    {
        string json = Samples.Mixture.Replace("\"type\": \"float\"", "\"type\": \"flot\"", StringComparison.Ordinal);
        var d = _host.Errors(json).ShouldHaveSingleItem();
        Expect(d, json, "$.parameters.guidance.type", "\"flot\"");
        d.Suggestion.ShouldBe("float");
    }

    [Fact]
    public void NewerFormatVersionAsksForAnUpdate()
    {
        string json = Samples.Mixture.Replace("\"format_version\": 1", "\"format_version\": 2", StringComparison.Ordinal);
        var d = _host.Errors(json).ShouldHaveSingleItem();
        Expect(d, json, "$.format_version", "2");
        (d.Line, d.Column).ShouldBe((2, 21));
        d.Message.ShouldBe("this pipeline uses format_version 2, but this GenPipe supports up to 1: update GenPipe to run it");
    }

    [Fact]
    public void MissingSourceFolderAndMissingSource()
    {
        const string json = """
        { "components": { "a": { "type": "denoiser/weights", "source": "../nowhere/unet" },
                          "b": { "type": "denoiser/weights" } },
          "steps": [ { "id": "x", "op": "add", "in": { "a": 1 } } ] }
        """;
        var errors = _host.Errors(json);
        errors.Count.ShouldBe(2);
        Expect(errors[0], json, "$.components.a.source", "\"../nowhere/unet\"");
        errors[0].Message.ShouldStartWith("source '../nowhere/unet' of component 'a' was not found (looked in: ");
        Expect(errors[1], json, "$.components.b", "{ \"type\": \"denoiser/weights\" }");
        errors[1].Message.ShouldContain("needs a \"source\"");
    }

    [Fact]
    public void DuplicateJsonKeysAreRejected()
    {
        const string json = """{ "name": "a", "steps": [], "name": "b" }""";
        var d = _host.Errors(json).ShouldHaveSingleItem();
        (d.JsonPath, d.Line, d.Column).ShouldBe(("$.name", 1, 29));
    }

    [Fact]
    public void AllErrorsAreCollectedInDocumentOrder()
    {
        string json = Samples.Mixture
            .Replace("\"denoiser/fake\"", "\"denoiser/fak\"", StringComparison.Ordinal)
            .Replace("\"eta\": 0.0", "\"eta\": \"zero\"", StringComparison.Ordinal)
            .Replace("\"diffuse\"", "\"difuse\"", StringComparison.Ordinal)
            .Replace("\"count\": 3", "\"count\": 3, \"extra\": 1", StringComparison.Ordinal)
            .Replace("\"name\": \"$label\"", "\"name\": 5", StringComparison.Ordinal);
        var ex = Should.Throw<PipelineValidationException>(() => _host.Load(json));
        ex.Diagnostics.Select(d => d.JsonPath).ShouldBe(
        [
            "$.components.denoiser.type",
            "$.components.scheduler.options.eta",
            "$.steps[0].op",
            "$.steps[2].in.name",
        ]);
        ex.Diagnostics.ShouldAllBe(d => d.Line > 0 && d.Column > 0 && d.Severity == PipelineDiagnosticSeverity.Error);
        ex.Message.ShouldStartWith("The pipeline 'pipelines/test.json' has 4 errors:");
        ex.Message.ShouldContain(ex.Diagnostics[2].ToString());
    }

    [Fact]
    public void MissingFileIsAValidationError()
    {
        string path = Path.Combine(Path.GetTempPath(), "no-such-pipeline-" + Guid.NewGuid() + ".json");
        var ex = Should.Throw<PipelineValidationException>(() => _host.Engine.LoadFile(path));
        var d = ex.Diagnostics.ShouldHaveSingleItem();
        (d.File, d.JsonPath, d.Line, d.Column).ShouldBe((path, "$", 0, 0));
        d.ToString().ShouldBe($"{path}: error at $: the pipeline file '{path}' was not found; check the path");
    }

    private static void Expect(PipelineDiagnostic d, string json, string path, string marker, int occurrence = 1)
    {
        d.JsonPath.ShouldBe(path);
        d.File.ShouldBe(TestHost.SourceName);
        (d.Line, d.Column).ShouldBe(Samples.PositionOf(json, marker, occurrence), $"position of {marker} for {path}");
    }
}
