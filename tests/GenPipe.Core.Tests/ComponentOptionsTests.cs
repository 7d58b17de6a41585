using System.ComponentModel;
using System.Text.Json.Serialization;
using GenPipe.Abstractions.Components;
using GenPipe.Core;
using GenPipe.Core.Pipelines;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests;

/// <summary>Options outside a pipeline: the same keys and values the compiler accepts.</summary>
public sealed class ComponentOptionsTests
{
    private static readonly ComponentDescriptor Descriptor = ComponentDescriptor.Create<object, SampleOptions>(
        "test/sample", "", _ => new object());

    [Fact]
    public void Describe_lists_the_keys_the_binder_accepts_with_defaults()
    {
        var options = ComponentOptions.Describe(typeof(SampleOptions));

        options.Select(o => o.Key).ShouldBe(["beta_start", "custom_name", "limit"], ignoreOrder: true);
        options.Single(o => o.Key == "beta_start").DefaultJson.ShouldBe("0.5");
        options.Single(o => o.Key == "beta_start").Description.ShouldBe("Where it starts.");
        options.Single(o => o.Key == "limit").DefaultJson.ShouldBe("\"Infinity\"");
        options.Single(o => o.Key == "custom_name").Type.ShouldBe(typeof(int));
    }

    [Fact]
    public void Bind_reads_settings_as_pipeline_overrides_do()
    {
        var bound = (SampleOptions)ComponentOptions.Bind(Descriptor, ["beta_start=0.25", "custom_name=7"], out var warnings);

        bound.BetaStart.ShouldBe(0.25);
        bound.Renamed.ShouldBe(7);
        warnings.ShouldBeEmpty();
    }

    [Fact]
    public void Bind_rejects_unknown_keys_and_settings_without_a_value()
    {
        Should.Throw<PipelineValidationException>(() => ComponentOptions.Bind(Descriptor, ["beta_stat=0.25"], out _))
            .Diagnostics.Single().Suggestion.ShouldBe("beta_start");
        Should.Throw<PipelineValidationException>(() => ComponentOptions.Bind(Descriptor, ["beta_start"], out _))
            .Diagnostics.Single().Message.ShouldContain("expected option=value");
    }

    public sealed class SampleOptions
    {
        [Description("Where it starts.")]
        public double BetaStart { get; set; } = 0.5;

        [JsonPropertyName("custom_name")]
        public int Renamed { get; set; } = 3;

        public double Limit { get; set; } = double.PositiveInfinity;

        [JsonIgnore]
        public string Hidden { get; set; } = "";
    }
}
