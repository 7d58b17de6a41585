using GenPipe.Core.Tests.Fakes;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests;

public sealed class ComponentSharingTests : IDisposable
{
    private const string TwoDenoisers = """
    { "parameters": { "seed": { "type": "int", "default": 1 } },
      "components": { "d1": { "type": "denoiser/fake", "options": { "scale": 2 } },
                      "d2": { "type": "denoiser/fake", "options": { "scale": 2.0, "means": [[0, 0]] } },
                      "d3": { "type": "denoiser/fake", "options": { "scale": 3 } },
                      "s": { "type": "scheduler/fake-ddim" } },
      "steps": [ { "id": "a", "op": "diffuse", "with": { "denoiser": "d1", "scheduler": "s" }, "in": { "steps": 1, "seed": "$seed" } },
                 { "id": "b", "op": "diffuse", "with": { "denoiser": "d2", "scheduler": "s" }, "in": { "steps": 2, "seed": "$seed" } },
                 { "id": "c", "op": "diffuse", "with": { "denoiser": "d3", "scheduler": "s" }, "in": { "steps": 3, "seed": "$seed" } } ],
      "outputs": { "a": "a", "b": "b", "c": "c" } }
    """;

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ComponentsWithTheSameIdentityShareOneInstance()
    {
        await using var host = new TestHost();
        var result = await host.Engine.RunAsync(host.Load(TwoDenoisers), Out());

        // d1 and d2 bind to the same options (scale 2, default means): one instance; d3 differs.
        host.Components.DenoisersCreated.ShouldBe(2);
        host.Components.SchedulersCreated.ShouldBe(1);
        result.Outputs["a"].ShouldBe(new FakeLatents(1000 + 2 + 1, 1));
        result.Outputs["b"].ShouldBe(new FakeLatents(1000 + 2 + 2, 1));
        result.Outputs["c"].ShouldBe(new FakeLatents(1000 + 3 + 3, 1));
    }

    [Fact]
    public async Task InstancesAreSharedAcrossRunsAndPipelinesAndDisposedWithTheEngine()
    {
        var host = new TestHost();
        await host.Engine.RunAsync(host.Load(TwoDenoisers), Out());
        await host.Engine.RunAsync(host.Load(TwoDenoisers, "seed=2"), Out());
        await host.Engine.RunAsync(host.Engine.Load(Samples.Mixture, "other.json", null), Out());

        // Mixture's denoiser has means [[0,0],[3,3]]: a third identity. Its scheduler is the same as "s".
        host.Components.DenoisersCreated.ShouldBe(3);
        host.Components.SchedulersCreated.ShouldBe(1);
        host.Diffuse.Calls.ShouldBe(7);
        host.Components.Denoisers.ShouldAllBe(d => !d.Disposed);

        await host.DisposeAsync();
        host.Components.Denoisers.ShouldAllBe(d => d.Disposed);
    }

    [Fact]
    public async Task SourceIsPassedToTheFactoryAndIsPartOfTheIdentity()
    {
        Directory.CreateDirectory(Path.Combine(_temp.Root, "w1"));
        Directory.CreateDirectory(Path.Combine(_temp.Root, "w2"));
        await using var host = new TestHost(baseDirectory: _temp.Root);
        const string json = """
        { "components": { "a": { "type": "denoiser/weights", "source": "w1" }, "b": { "type": "denoiser/weights", "source": "w2" },
                          "c": { "type": "denoiser/weights", "source": "./w1" }, "s": { "type": "scheduler/fake-ddim" } },
          "steps": [ { "id": "x", "op": "diffuse", "with": { "denoiser": "a", "scheduler": "s" }, "in": { "steps": 1 } },
                     { "id": "y", "op": "diffuse", "with": { "denoiser": "b", "scheduler": "s" }, "in": { "steps": 1 } },
                     { "id": "z", "op": "diffuse", "with": { "denoiser": "c", "scheduler": "s" }, "in": { "steps": 1 } } ] }
        """;
        await host.Engine.RunAsync(host.Load(json), new PipelineRunOptions { OutputDirectory = _temp.Output });
        host.Components.Sources.ShouldBe([Path.Combine(_temp.Root, "w1"), Path.Combine(_temp.Root, "w2")]);
    }

    private PipelineRunOptions Out() => new() { OutputDirectory = _temp.Output };
}
