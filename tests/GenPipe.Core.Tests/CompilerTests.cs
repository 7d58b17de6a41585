using GenPipe.Core.Tests.Fakes;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests;

public sealed class CompilerTests
{
    [Fact]
    public async Task ValidPipelineResolvesEverything()
    {
        await using var host = new TestHost();
        var pipeline = host.Load(Samples.Mixture);

        pipeline.Name.ShouldBe("mixture");
        pipeline.Description.ShouldBe("two gaussians");
        pipeline.SourceFile.ShouldBe(TestHost.SourceName);
        pipeline.Warnings.ShouldBeEmpty();
        pipeline.Parameters.Select(p => (p.Name, p.Type, p.Value)).ShouldBe(
        [
            ("steps", "int", (object)4),
            ("seed", "int", 7),
            ("guidance", "float", 2.5),
            ("label", "string", "mix"),
        ]);
        pipeline.Parameters[0].Description.ShouldBe("denoising steps");

        var denoiser = pipeline.Components.Single(c => c.Name == "denoiser");
        denoiser.TypeId.ShouldBe("denoiser/fake");
        var options = denoiser.Options.ShouldBeOfType<FakeDenoiserOptions>();
        options.Scale.ShouldBe(2.0);
        options.Means.Length.ShouldBe(2);
        options.Means[1].ShouldBe([3.0, 3.0]);

        // The inline "identity" binding resolves the alias to the canonical type id.
        pipeline.Components.Single(c => c.Name == "identity").TypeId.ShouldBe("decoder/identity");

        pipeline.Steps.Select(s => s.Id).ShouldBe(["latents", "images", "files"]);
        var latents = pipeline.Steps[0];
        latents.Inputs["steps"].ShouldBe(new StepInput("steps", StepInputKind.Parameter, 4, "steps"));
        latents.Inputs["count"].ShouldBe(new StepInput("count", StepInputKind.Literal, 3, null));
        latents.Inputs["guidance"].Value.ShouldBe(2.5);
        pipeline.Steps[1].DependsOn.ShouldBe(["latents"]);
        pipeline.Outputs.ShouldBe(new Dictionary<string, string> { ["samples"] = "images", ["latents"] = "latents" });
    }

    [Fact]
    public async Task StepsRunAfterTheStepsTheyConsumeWhateverTheDocumentOrder()
    {
        await using var host = new TestHost();
        var pipeline = host.Load("""
        { "steps": [
            { "id": "d", "op": "add", "in": { "a": "@c", "b": "@b" } },
            { "id": "c", "op": "add", "in": { "a": "@a" } },
            { "id": "b", "op": "add", "in": { "a": 2 } },
            { "id": "a", "op": "add", "in": { "a": 1 } },
            { "id": "e", "op": "add", "in": { "a": 5 } }
          ],
          "outputs": { "sum": "d" } }
        """);

        // a before c before d, b before d; otherwise document order (b before a, e last).
        pipeline.Steps.Select(s => s.Id).ShouldBe(["b", "a", "c", "d", "e"]);
        pipeline.Name.ShouldBe("test");
        var result = await host.Engine.RunAsync(pipeline, new PipelineRunOptions { OutputDirectory = Path.Combine(Path.GetTempPath(), "unused-" + Guid.NewGuid()) });
        result.Outputs["sum"].ShouldBe(3.0);
        host.Executed.ShouldBe(["b", "a", "c", "d", "e"]);
    }

    [Fact]
    public async Task IntLiteralIsAcceptedWhereFloatExpectedAndEscapesAreLiteral()
    {
        await using var host = new TestHost();
        var pipeline = host.Load("""
        { "parameters": { "n": { "type": "int", "default": 3 } },
          "steps": [
            { "id": "x", "op": "add", "in": { "a": 2, "b": "$n" } },
            { "id": "t", "op": "text", "in": { "value": "$$not-a-parameter" } },
            { "id": "u", "op": "text", "in": { "value": "@@handle" } }
          ] }
        """);
        pipeline.Steps[0].Inputs["a"].Value.ShouldBeOfType<double>().ShouldBe(2.0);
        pipeline.Steps[0].Inputs["b"].Value.ShouldBeOfType<double>().ShouldBe(3.0);
        pipeline.Steps[1].Inputs["value"].ShouldBe(new StepInput("value", StepInputKind.Literal, "$not-a-parameter", null));
        pipeline.Steps[2].Inputs["value"].Value.ShouldBe("@handle");
    }

    [Fact]
    public async Task CommentsTrailingCommasAndEnumOptionsAreAccepted()
    {
        await using var host = new TestHost();
        var pipeline = host.Load("""
        {
          // schedulers read diffusers-style snake_case keys
          "components": { "s": { "type": "scheduler/fake-ddim",
                                 "options": { "beta_start": 0.002, "num_train_timesteps": 500, "prediction_type": "v_prediction", }, }, },
          "steps": [ { "id": "x", "op": "add", "in": { "a": 1 } } ],
        }
        """);
        var options = pipeline.Components[0].Options.ShouldBeOfType<FakeSchedulerOptions>();
        options.BetaStart.ShouldBe(0.002);
        options.NumTrainTimesteps.ShouldBe(500);
        options.PredictionType.ShouldBe(FakePrediction.VPrediction);
        options.Eta.ShouldBe(0.0);
        pipeline.Components[0].OptionsJson.ShouldBe("""{"eta":0,"beta_start":0.002,"num_train_timesteps":500,"prediction_type":"v_prediction"}""");
    }

    [Fact]
    public async Task SourceResolvesAgainstThePipelineFolderThenTheModelRoots()
    {
        string root = Path.Combine(Path.GetTempPath(), "genpipe-src-" + Guid.NewGuid().ToString("N"));
        string pipelines = Path.Combine(root, "pipelines");
        string models = Path.Combine(root, "models");
        Directory.CreateDirectory(Path.Combine(root, "near", "unet"));
        Directory.CreateDirectory(Path.Combine(models, "far", "unet"));
        Directory.CreateDirectory(pipelines);
        try
        {
            string file = Path.Combine(pipelines, "p.json");
            File.WriteAllText(file, """
            { "components": { "a": { "type": "denoiser/weights", "source": "../near/unet" },
                              "b": { "type": "denoiser/weights", "source": "far/unet" } },
              "steps": [ { "id": "x", "op": "add", "in": { "a": 1 } } ] }
            """);
            await using var host = new TestHost(modelRoots: [models]);
            var pipeline = host.Engine.LoadFile(file);
            pipeline.Name.ShouldBe("p");
            pipeline.Components[0].SourcePath.ShouldBe(Path.Combine(root, "near", "unet"));
            pipeline.Components[1].SourcePath.ShouldBe(Path.Combine(models, "far", "unet"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_source_may_be_a_string_parameter_with_a_subpath_so_one_value_points_every_component_at_a_model()
    {
        string root = Path.Combine(Path.GetTempPath(), "genpipe-param-src-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(root, "sd", "unet"));
        Directory.CreateDirectory(Path.Combine(root, "other", "unet"));
        Directory.CreateDirectory(Path.Combine(root, "pipelines"));
        try
        {
            string file = Path.Combine(root, "pipelines", "p.json");
            File.WriteAllText(file, """
            { "parameters": { "model": { "type": "string", "default": "../sd" }, "steps": { "type": "int", "default": 3 } },
              "components": { "whole": { "type": "denoiser/weights", "source": "$model" },
                              "part": { "type": "denoiser/weights", "source": "$model/unet" } },
              "steps": [ { "id": "x", "op": "add", "in": { "a": 1 } } ] }
            """);
            await using var host = new TestHost();

            var pipeline = host.Engine.LoadFile(file);
            pipeline.Components.Select(c => c.SourcePath).ShouldBe([Path.Combine(root, "sd"), Path.Combine(root, "sd", "unet")]);

            var overridden = host.Engine.LoadFile(file, [$"model={Path.Combine(root, "other")}"]);
            overridden.Components[1].SourcePath.ShouldBe(Path.Combine(root, "other", "unet"));

            // A config too: a model folder's scheduler/ config read through the same parameter.
            Directory.CreateDirectory(Path.Combine(root, "sd", "scheduler"));
            File.WriteAllText(Path.Combine(root, "sd", "scheduler", "scheduler_config.json"), """{ "_class_name": "FakeDDIM", "beta_start": 0.003 }""");
            string withConfig = Path.Combine(root, "pipelines", "c.json");
            File.WriteAllText(withConfig, """
            { "parameters": { "model": { "type": "string", "default": "../sd" } },
              "components": { "s": { "type": "scheduler/fake-ddim", "config": "$model/scheduler" } },
              "steps": [ { "id": "x", "op": "add", "in": { "a": 1 } } ] }
            """);
            host.Engine.LoadFile(withConfig).Components[0].Options.ShouldBeOfType<FakeSchedulerOptions>().BetaStart.ShouldBe(0.003);

            var missing = Should.Throw<PipelineValidationException>(() => host.Engine.LoadFile(file, ["model=../nowhere"])).Diagnostics;
            missing[0].JsonPath.ShouldBe("$.components.whole.source");
            missing[0].Message.ShouldStartWith("source '$model' of component 'whole' (parameter 'model' is '../nowhere') was not found (looked in: ");

            File.WriteAllText(file, File.ReadAllText(file).Replace("\"$model\"", "\"$steps\"", StringComparison.Ordinal).Replace("$model/unet", "$size/unet", StringComparison.Ordinal));
            var wrong = Should.Throw<PipelineValidationException>(() => host.Engine.LoadFile(file)).Diagnostics.Select(d => d.Message).ToArray();
            wrong.ShouldContain("source '$steps' of component 'whole' needs parameter 'steps' to be a non-empty string (a path), got int '3'");
            wrong.ShouldContain("source '$size/unet' of component 'part' names parameter 'size', which the pipeline does not declare; declare it under \"parameters\" or give a path");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_config_may_list_candidates_of_which_the_first_that_exists_is_read()
    {
        string root = Path.Combine(Path.GetTempPath(), "genpipe-config-candidates-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(root, "sd", "scheduler"));
        Directory.CreateDirectory(Path.Combine(root, "fallback"));
        Directory.CreateDirectory(Path.Combine(root, "pipelines"));
        try
        {
            File.WriteAllText(Path.Combine(root, "sd", "scheduler", "scheduler_config.json"), """{ "_class_name": "FakeDDIM", "beta_start": 0.003 }""");
            File.WriteAllText(Path.Combine(root, "fallback", "scheduler_config.json"), """{ "_class_name": "FakeDDIM", "beta_start": 0.007 }""");
            File.WriteAllText(Path.Combine(root, "checkpoint.safetensors"), "weights only");
            string file = Path.Combine(root, "pipelines", "p.json");
            File.WriteAllText(file, """
            { "parameters": { "model": { "type": "string", "default": "../sd" } },
              "components": { "s": { "type": "scheduler/fake-ddim", "config": ["$model/scheduler", "../fallback"] } },
              "steps": [ { "id": "x", "op": "add", "in": { "a": 1 } } ] }
            """);
            await using var host = new TestHost();

            // The model's own config when it has one; the fallback for a single file (no scheduler/ inside a file).
            BetaStart(host.Engine.LoadFile(file)).ShouldBe(0.003);
            BetaStart(host.Engine.LoadFile(file, [$"model={Path.Combine(root, "checkpoint.safetensors")}"])).ShouldBe(0.007);

            Directory.Delete(Path.Combine(root, "fallback"), recursive: true);
            var none = Should.Throw<PipelineValidationException>(() => host.Engine.LoadFile(file, ["model=../nowhere"])).Diagnostics.ShouldHaveSingleItem();
            none.JsonPath.ShouldBe("$.components.s.config");
            none.Message.ShouldStartWith("none of the configs of component 's' was found (looked in: ");
            none.Message.ShouldContain(Path.Combine(root, "fallback"));

            File.WriteAllText(file, File.ReadAllText(file).Replace("\"../fallback\"", "7", StringComparison.Ordinal));
            var notText = Should.Throw<PipelineValidationException>(() => host.Engine.LoadFile(file)).Diagnostics.ShouldHaveSingleItem();
            notText.JsonPath.ShouldBe("$.components.s.config[1]");
            notText.Message.ShouldContain("a config candidate must be a string");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        static double BetaStart(CompiledPipeline pipeline) => pipeline.Components[0].Options.ShouldBeOfType<FakeSchedulerOptions>().BetaStart;
    }
}
