using System.ComponentModel.DataAnnotations;
using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Operators;
using GenPipe.Core.Memory;
using GenPipe.Core.Pipelines;
using GenPipe.Core.Tests.Fakes;
using GenPipe.Tensors;
using NSubstitute;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests;

/// <summary>Input domains, operator preflight checks, option domains and the executor's NaN check.</summary>
public sealed class DomainTests : IDisposable
{
    private static readonly string[] LeakedTexts =
        ["(Parameter '", "Actual value was", "Arithmetic operation resulted in an overflow", "System.OutOfMemoryException", ".genpipe-staging"];

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_literal_outside_the_port_range_is_refused_at_its_path()
    {
        await using var host = new TestHost(extraOperators: [RangedOperator()]);

        var error = host.Errors("""{ "steps": [ { "id": "r", "op": "ranged", "in": { "n": 0 } } ] }""").ShouldHaveSingleItem();

        error.JsonPath.ShouldBe("$.steps[0].in.n");
        error.Message.ShouldBe("input 'n' of operator 'ranged' must be from 1 to 1000, got 0; give a value from 1 to 1000");
    }

    [Fact]
    public async Task A_parameter_outside_the_range_is_reported_at_the_parameter_naming_the_override()
    {
        await using var host = new TestHost(extraOperators: [RangedOperator()]);
        const string json = """
        { "parameters": { "size": { "type": "int", "default": 5 } },
          "steps": [ { "id": "r", "op": "ranged", "in": { "n": "$size" } } ] }
        """;

        var error = host.Errors(json, "size=1001").ShouldHaveSingleItem();

        error.File.ShouldBe("--set size=1001");
        error.JsonPath.ShouldBe("$.parameters.size.default");
        error.Message.ShouldBe("parameter 'size' (input 'n' of step 'r') must be from 1 to 1000, got 1001; give a value from 1 to 1000");
        host.Load(json, "size=1000").Steps.ShouldHaveSingleItem(); // the bound itself is in the domain
    }

    [Theory]
    [InlineData("../x", "folders and \"..\" are not allowed")]
    [InlineData("..", "folders and \"..\" are not allowed")]
    [InlineData("a/b", "folders and \"..\" are not allowed")]
    [InlineData("", "got an empty one")]
    public async Task A_file_name_with_folders_is_refused(string name, string expected)
    {
        await using var host = new TestHost(extraOperators: [RangedOperator()]);

        var error = host.Errors($$"""{ "steps": [ { "id": "r", "op": "ranged", "in": { "n": 1, "name": "{{name}}" } } ] }""").ShouldHaveSingleItem();

        error.JsonPath.ShouldBe("$.steps[0].in.name");
        error.Message.ShouldContain(expected);
        error.Message.ShouldContain("give a plain name");
    }

    [Fact]
    public async Task A_file_name_longer_than_the_limit_is_refused_with_its_length()
    {
        await using var host = new TestHost(extraOperators: [RangedOperator()]);
        string name = new('a', 300);

        var error = host.Errors($$"""{ "steps": [ { "id": "r", "op": "ranged", "in": { "n": 1, "name": "{{name}}" } } ] }""").ShouldHaveSingleItem();

        error.Message.ShouldBe($"input 'name' of operator 'ranged' is 300 bytes long, longer than the {PathRules.MaxFileNameBytes} a file name may have here; give a shorter name");
        host.Load($$"""{ "steps": [ { "id": "r", "op": "ranged", "in": { "n": 1, "name": "{{new string('a', PathRules.MaxFileNameBytes)}}" } } ] }""")
            .Steps.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task A_string_outside_the_allowed_values_is_refused_with_the_list()
    {
        await using var host = new TestHost(extraOperators: [RangedOperator()]);

        var error = host.Errors("""{ "steps": [ { "id": "r", "op": "ranged", "in": { "n": 1, "mode": "slow" } } ] }""").ShouldHaveSingleItem();

        error.Message.ShouldBe("input 'mode' of operator 'ranged' must be one of: \"fast\", \"exact\", got \"slow\"; use one of those");
    }

    [Fact]
    public async Task Preflight_sees_the_known_inputs_and_the_bound_options_and_its_errors_name_the_parameter()
    {
        var op = PreflightOperator();
        var preflight = (IStepPreflight)op;
        preflight.Preflight(Arg.Any<PreflightContext>()).Returns(call =>
        {
            var context = call.Arg<PreflightContext>();
            context.TryGetInput("n", out int n).ShouldBeTrue();
            context.TryGetInput("later", out FakeLatents _).ShouldBeFalse(); // fed by a step: unknown before the run
            context.GetComponentOptions("denoiser").ShouldBeOfType<FakeDenoiserOptions>().Scale.ShouldBe(3);
            return [PreflightFinding.Error("n", $"must be even, got {n}; give {n + 1}")];
        });
        await using var host = new TestHost(extraOperators: [op]);
        const string json = """
        { "parameters": { "size": { "type": "int", "default": 5 } },
          "components": { "d": { "type": "denoiser/fake", "options": { "scale": 3 } }, "s": { "type": "scheduler/fake-ddim" } },
          "steps": [ { "id": "latents", "op": "diffuse", "with": { "denoiser": "d", "scheduler": "s" }, "in": { "steps": 2 } },
                     { "id": "check", "op": "checked", "with": { "denoiser": "d" }, "in": { "n": "$size", "later": "@latents" } } ] }
        """;

        var error = host.Errors(json).ShouldHaveSingleItem();

        preflight.Received(1).Preflight(Arg.Is<PreflightContext>(c => c.StepId == "check"));
        error.JsonPath.ShouldBe("$.parameters.size.default");
        error.Message.ShouldBe("parameter 'size' (input 'n' of step 'check') must be even, got 5; give 6");
    }

    [Fact]
    public async Task A_memory_need_over_the_budget_is_refused_with_the_size_in_human_units()
    {
        var op = PreflightOperator();
        ((IStepPreflight)op).Preflight(Arg.Any<PreflightContext>())
            .Returns([PreflightFinding.Memory("n", 3L << 30, "the buffers")]);
        await using var host = new TestHost(extraOperators: [op]);
        await using var engine = new PipelineEngine(host.Catalog, new EmptyServices(), new PipelineEngineOptions { MemoryBudgetBytes = 1L << 30 });
        const string json = """
        { "components": { "d": { "type": "denoiser/fake" } },
          "steps": [ { "id": "check", "op": "checked", "with": { "denoiser": "d" }, "in": { "n": 7 } } ] }
        """;

        var error = Should.Throw<PipelineValidationException>(() => engine.Load(json, "x.json", null)).Diagnostics.ShouldHaveSingleItem();

        error.JsonPath.ShouldBe("$.steps[0].in.n");
        error.Message.ShouldBe("input 'n' of step 'check' is 7, which needs at least 3 GiB for the buffers, more than the memory budget (setting MemoryBudget, --memory-budget), 1 GiB; lower 'n', or raise the budget if the machine has the memory");
        await using var roomy = new PipelineEngine(host.Catalog, new EmptyServices(), new PipelineEngineOptions { MemoryBudgetBytes = 4L << 30 });
        roomy.Load(json, "x.json", null).Steps.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task A_step_whose_components_do_not_fit_the_pools_budget_together_is_refused_before_anything_loads()
    {
        const long MB = 1L << 20;
        await using var host = new TestHost();
        var pool = Substitute.For<IComponentPool>();
        pool.BudgetBytes.Returns(64 * MB);
        pool.EstimateBytes(Arg.Is<PipelineComponent>(c => c.Name == "d"), Arg.Any<IServiceProvider>()).Returns(40 * MB);
        pool.EstimateBytes(Arg.Is<PipelineComponent>(c => c.Name == "s"), Arg.Any<IServiceProvider>()).Returns(30 * MB);
        await using var engine = new PipelineEngine(host.Catalog, new EmptyServices(), new PipelineEngineOptions { MemoryBudgetBytes = 64 * MB }, pool: pool);
        const string json = """
        { "components": { "d": { "type": "denoiser/fake" }, "s": { "type": "scheduler/fake-ddim" } },
          "steps": [ { "id": "latents", "op": "diffuse", "with": { "denoiser": "d", "scheduler": "s" }, "in": { "steps": 2 } } ] }
        """;

        var error = Should.Throw<PipelineValidationException>(() => engine.Load(json, "x.json", null)).Diagnostics.ShouldHaveSingleItem();

        error.JsonPath.ShouldBe("$.steps[0].with");
        error.Message.ShouldBe(
            "step 'latents' uses components that need about 70 MiB at once ('d' (denoiser/fake) 40 MiB, 's' (scheduler/fake-ddim) 30 MiB), " +
            "more than the memory budget (setting MemoryBudget, --memory-budget), 64 MiB; raise the budget or use smaller models");
        await pool.DidNotReceiveWithAnyArgs().AcquireAsync(default!, default!, default);

        // With room for both together, the same pipeline loads.
        pool.BudgetBytes.Returns(70 * MB);
        engine.Load(json, "x.json", null).Steps.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task A_preflight_warning_does_not_stop_the_pipeline()
    {
        var op = PreflightOperator();
        ((IStepPreflight)op).Preflight(Arg.Any<PreflightContext>()).Returns([PreflightFinding.Warning("denoiser", "the schedules differ")]);
        await using var host = new TestHost(extraOperators: [op]);

        var compiled = host.Load("""
        { "components": { "d": { "type": "denoiser/fake" } },
          "steps": [ { "id": "check", "op": "checked", "with": { "denoiser": "d" }, "in": { "n": 2 } } ] }
        """);

        var warning = compiled.Warnings.ShouldHaveSingleItem();
        warning.JsonPath.ShouldBe("$.steps[0].with.denoiser");
        warning.Message.ShouldBe("step 'check': the schedules differ");
    }

    [Theory]
    [InlineData("[float.NaN]", "1 NaN value(s)")]
    [InlineData("[1, 2, float.PositiveInfinity, 4]", "1 infinite value(s)")]
    [InlineData("[NaN, NaN]", "only NaN values")]
    public async Task A_step_returning_non_finite_values_fails_naming_the_step_and_writes_nothing(string which, string expected)
    {
        float[] values = which switch
        {
            "[float.NaN]" => [1, float.NaN, 3],
            "[NaN, NaN]" => [float.NaN, float.NaN],
            _ => [1, 2, float.PositiveInfinity, 4],
        };
        var producer = Producer(new Tensor(values, values.Length));
        var note = ExecutorTests.NoteOperator();
        await using var host = new TestHost(extraOperators: [producer, note]);
        var pipeline = host.Load("""
        { "steps": [ { "id": "note", "op": "note", "in": { "name": "before.txt" } },
                     { "id": "diverged", "op": "produce" } ] }
        """);

        var failure = await Should.ThrowAsync<PipelineExecutionException>(() => host.Engine.RunAsync(pipeline, new PipelineRunOptions { OutputDirectory = _temp.Output }));

        failure.StepId.ShouldBe("diverged");
        failure.Message.ShouldStartWith("Step 'diverged' (produce) produced ");
        failure.Message.ShouldContain(expected);
        await producer.Received(1).ExecuteAsync(Arg.Any<OperatorContext>(), Arg.Any<CancellationToken>());
        _temp.Entries().ShouldBeEmpty(); // the note step's file was staged and discarded
    }

    [Fact]
    public async Task A_step_returning_finite_values_passes_the_check()
    {
        var producer = Producer(new Tensor([1f, -2f, float.MaxValue], 3));
        await using var host = new TestHost(extraOperators: [producer]);

        var result = await host.Engine.RunAsync(host.Load("""{ "steps": [ { "id": "fine", "op": "produce" } ], "outputs": { "x": "fine" } }"""));

        ((Tensor)result.Outputs["x"]).Length.ShouldBe(3);
    }

    [Theory]
    [InlineData("eta=5", "option 'eta' must be from 0 to 1, got 5; give a value in that range.")]
    [InlineData("eta=-0.5", "option 'eta' must be from 0 to 1, got -0.5; give a value in that range.")]
    [InlineData("eta=1e400", "option 'eta' must be from 0 to 1, got infinity; give a finite value in that range.")]
    [InlineData("free=1e400", "option 'free' must be finite, got infinity")]
    [InlineData("means=[[0, 1], [2, 1e400]]", "option 'means[1][1]' must be finite, got infinity")]
    [InlineData("mode=slow", "option 'mode' 'slow' is not supported; use one of: \"fast\", \"exact\".")]
    public void Option_values_outside_their_domain_are_refused(string setting, string expected)
    {
        var error = Should.Throw<PipelineValidationException>(() => ComponentOptions.Bind(DomainDescriptor, [setting], out _)).Diagnostics.ShouldHaveSingleItem();

        error.Message.ShouldStartWith(expected);
        foreach (string leaked in LeakedTexts)
        {
            error.Message.ShouldNotContain(leaked);
        }
    }

    [Fact]
    public void Option_domains_accept_their_bounds_named_infinities_and_untouched_infinite_defaults()
    {
        var bound = (DomainOptions)ComponentOptions.Bind(DomainDescriptor, ["eta=1", "cap=\"Infinity\""], out _);

        bound.Eta.ShouldBe(1);
        bound.Cap.ShouldBe(double.PositiveInfinity);
        bound.Free.ShouldBe(double.PositiveInfinity); // a default is the author's choice and is not checked
        ComponentOptions.Describe(typeof(DomainOptions)).Single(o => o.Key == "eta").Domain.ShouldBe("from 0 to 1");
        ComponentOptions.Describe(typeof(DomainOptions)).Single(o => o.Key == "cap").Domain.ShouldBe("at least 0 (infinity allowed)");
        ComponentOptions.Describe(typeof(DomainOptions)).Single(o => o.Key == "mode").Domain.ShouldBe("one of: fast, exact");
    }

    private static readonly ComponentDescriptor DomainDescriptor = ComponentDescriptor.Create<object, DomainOptions>("test/domains", "", _ => new object());

    private static FakeOperator RangedOperator() => new(
        new OperatorSignature(
            "ranged",
            "has domains",
            [],
            [
                new InputPort("n", typeof(int)) { Minimum = 1, Maximum = 1000 },
                new InputPort("name", typeof(string), Required: false, Default: "x") { Path = PathRule.FileName },
                new InputPort("mode", typeof(string), Required: false, Default: "fast") { AllowedValues = ["fast", "exact"] },
            ],
            typeof(string)),
        (_, _) => ValueTask.FromResult<object>("ran"));

    // An operator substitute whose step returns output.
    private static IPipelineOperator Producer(Tensor output)
    {
        var producer = Substitute.For<IPipelineOperator>();
        producer.Signature.Returns(new OperatorSignature("produce", "returns a tensor", [], [], typeof(Tensor)));
#pragma warning disable CA2012 // NSubstitute configures the call; the ValueTask is not consumed here.
        producer.ExecuteAsync(Arg.Any<OperatorContext>(), Arg.Any<CancellationToken>()).Returns(_ => new ValueTask<object>(output));
#pragma warning restore CA2012
        return producer;
    }

    private static IPipelineOperator PreflightOperator()
    {
        var op = Substitute.For<IPipelineOperator, IStepPreflight>();
        op.Signature.Returns(new OperatorSignature(
            "checked",
            "checks itself",
            [new ComponentSlot("denoiser", typeof(IFakeDenoiser))],
            [new InputPort("n", typeof(int)), new InputPort("later", typeof(FakeLatents), Required: false)],
            typeof(string)));
        return op;
    }

    public sealed class DomainOptions
    {
        [Range(0.0, 1.0)]
        public double Eta { get; set; }

        [Range(0.0, double.PositiveInfinity)]
        public double Cap { get; set; } = 1;

        public double Free { get; set; } = double.PositiveInfinity;

        public double[][] Means { get; set; } = [[0, 0]];

        [AllowedValues("fast", "exact")]
        public string Mode { get; set; } = "fast";
    }
}
