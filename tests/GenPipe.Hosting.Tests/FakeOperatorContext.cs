using GenPipe.Abstractions.Operators;

namespace GenPipe.Hosting.Tests;

/// <summary>An operator context holding fixed inputs, enough to run an operator outside the engine.</summary>
internal sealed class FakeOperatorContext(Dictionary<string, object> inputs) : OperatorContext
{
    public override string StepId => "test";

    public override IServiceProvider Services => throw new NotSupportedException();

    public override IArtifactSink Artifacts => throw new NotSupportedException();

    public override T GetInput<T>(string name) => (T)inputs[name];

    public override bool HasInput(string name) => inputs.ContainsKey(name);

    public override ValueTask<T> GetComponentAsync<T>(string slot, CancellationToken cancellationToken) => throw new NotSupportedException();

    public override bool HasComponent(string slot) => false;

    public override void ReportIteration(int current, int total)
    {
    }

    public override void ReportOutput(object chunk)
    {
    }
}
