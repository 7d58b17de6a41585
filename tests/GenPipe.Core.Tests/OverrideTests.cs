using GenPipe.Core.Tests.Fakes;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests;

public sealed class OverrideTests : IAsyncLifetime
{
    private readonly TestHost _host = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public void ShortAndLongParameterFormsSetTheValue()
    {
        var pipeline = _host.Load(Samples.Mixture, "steps=8", "parameters.guidance=4", "label=42");
        pipeline.Parameters.Single(p => p.Name == "steps").Value.ShouldBe(8);
        pipeline.Parameters.Single(p => p.Name == "guidance").Value.ShouldBe(4.0); // an int is a valid float
        pipeline.Parameters.Single(p => p.Name == "label").Value.ShouldBe("42"); // a string parameter keeps the text
        pipeline.Steps[0].Inputs["steps"].Value.ShouldBe(8);
        pipeline.Steps[0].Inputs["guidance"].Value.ShouldBe(4.0);
    }

    [Fact]
    public void LaterOverridesWin()
    {
        var pipeline = _host.Load(Samples.Mixture, "steps=8", "steps=9");
        pipeline.Parameters[0].Value.ShouldBe(9);
    }

    [Fact]
    public void MistypedParameterOverrideNamesTheOverride()
    {
        var d = _host.Errors(Samples.Mixture, "steps=many").ShouldHaveSingleItem();
        d.File.ShouldBe("--set steps=many");
        (d.JsonPath, d.Line, d.Column).ShouldBe(("$.parameters.steps.default", 0, 0));
        d.Message.ShouldBe("parameter 'steps' is an int, but its value is a string (\"many\"); give an integer");
        d.ToString().ShouldBe("--set steps=many: error at $.parameters.steps.default: parameter 'steps' is an int, but its value is a string (\"many\"); give an integer");
    }

    [Fact]
    public void UnknownParameterIsSuggested()
    {
        var d = _host.Errors(Samples.Mixture, "stepz=8").ShouldHaveSingleItem();
        d.File.ShouldBe("--set stepz=8");
        d.JsonPath.ShouldBe("$.parameters.stepz");
        d.Suggestion.ShouldBe("steps");
        d.Message.ShouldContain("it declares: steps, seed, guidance, label");
    }

    [Fact]
    public void ComponentTypeAndOptionsByName()
    {
        var pipeline = _host.Load(
            Samples.Mixture,
            "components.scheduler.type=scheduler/fake-euler",
            "components.scheduler.options.eta=0.5",
            "components.scheduler.options.prediction_type=v_prediction",
            "components.denoiser.options.means=[[1,2],[3,4],[5,6]]");
        var scheduler = pipeline.Components.Single(c => c.Name == "scheduler");
        scheduler.TypeId.ShouldBe("scheduler/fake-euler");
        var options = scheduler.Options.ShouldBeOfType<FakeSchedulerOptions>();
        options.Eta.ShouldBe(0.5);
        options.PredictionType.ShouldBe(FakePrediction.VPrediction);
        pipeline.Components[0].Options.ShouldBeOfType<FakeDenoiserOptions>().Means.Length.ShouldBe(3);
    }

    [Fact]
    public void OptionsObjectIsCreatedWhenTheComponentHasNone()
    {
        string json = Samples.Mixture.Replace(", \"options\": { \"eta\": 0.0 }", "", StringComparison.Ordinal);
        var pipeline = _host.Load(json, "components.scheduler.options.num_train_timesteps=50");
        pipeline.Components[1].Options.ShouldBeOfType<FakeSchedulerOptions>().NumTrainTimesteps.ShouldBe(50);
    }

    [Fact]
    public void StepsByIdOrIndex()
    {
        var pipeline = _host.Load(Samples.Mixture, "steps.latents.in.count=16", "steps.2.in.name=\"$$odd\"");
        pipeline.Steps[0].Inputs["count"].Value.ShouldBe(16);
        pipeline.Steps[2].Inputs["name"].Value.ShouldBe("$odd"); // the escape works through overrides too
    }

    [Fact]
    public void ErrorsInOverriddenValuesNameTheOverride()
    {
        var errors = _host.Errors(Samples.Mixture, "steps.latents.in.count=many", "components.scheduler.options.eta=fast", "components.scheduler.type=scheduler/fake-eulr");
        errors.Count.ShouldBe(2);
        errors[0].File.ShouldBe("--set components.scheduler.type=scheduler/fake-eulr");
        errors[0].JsonPath.ShouldBe("$.components.scheduler.type");
        errors[0].Suggestion.ShouldBe("scheduler/fake-euler");
        errors[1].File.ShouldBe("--set steps.latents.in.count=many");
        errors[1].JsonPath.ShouldBe("$.steps[0].in.count");
        errors[1].Message.ShouldBe("input 'count' of operator 'diffuse': expected an integer (int), got a string (\"many\")");
        (errors[1].Line, errors[1].Column).ShouldBe((0, 0));
    }

    [Fact]
    public void UnknownPathsAreErrorsWithSuggestions()
    {
        var errors = _host.Errors(Samples.Mixture, "components.schedular.type=x", "steps.latentz.in.count=1", "step.latents.in.count=1", "no-equals-sign");
        errors.Count.ShouldBe(4);
        (errors[0].JsonPath, errors[0].Suggestion).ShouldBe(("$.components.schedular", "scheduler"));
        errors[0].Message.ShouldContain("no component 'schedular'");
        (errors[1].JsonPath, errors[1].Suggestion).ShouldBe(("$.steps", "latents"));
        (errors[2].JsonPath, errors[2].Suggestion).ShouldBe(("$.step", "steps"));
        errors[3].File.ShouldBe("--set no-equals-sign");
        errors[3].Message.ShouldStartWith("an override must have the form path=value");
    }

    [Fact]
    public void ValuesParseAsJsonElseAsPlainStrings()
    {
        var pipeline = _host.Load(
            """
            { "steps": [ { "id": "t", "op": "text", "in": { "value": "x" } },
                         { "id": "s", "op": "add", "in": { "a": 1 } } ] }
            """,
            "steps.t.in.value=plain words",
            "steps.s.in.a=2.25",
            "steps.s.in.b=null");
        pipeline.Steps[0].Inputs["value"].Value.ShouldBe("plain words");
        pipeline.Steps[1].Inputs["a"].Value.ShouldBe(2.25);
        pipeline.Steps[1].Inputs.ContainsKey("b").ShouldBeFalse(); // null means "use the default"
    }

    [Fact]
    public void TopLevelNameCanBeSet()
    {
        _host.Load(Samples.Mixture, "name=renamed").Name.ShouldBe("renamed");
    }
}
