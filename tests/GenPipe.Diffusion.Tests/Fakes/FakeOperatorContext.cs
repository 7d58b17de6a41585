using GenPipe.Abstractions.Operators;

namespace GenPipe.Diffusion.Tests.Fakes;

/// <summary>
/// An operator context for unit tests: inputs and components come from dictionaries, defaults from the operator's
/// signature (as the executor would apply them), files go to a <see cref="FakeArtifactSink"/>.
/// </summary>
public sealed class FakeOperatorContext(IPipelineOperator pipelineOperator, string stepId = "test-step") : OperatorContext
{
    private readonly Dictionary<string, object?> _inputs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object> _components = new(StringComparer.Ordinal);

    public override string StepId { get; } = stepId;

    public override IServiceProvider Services { get; } = new EmptyServiceProvider();

    public FakeArtifactSink Sink { get; } = new();

    public override IArtifactSink Artifacts => Sink;

    /// <summary>Every (current, total) pair reported, in order.</summary>
    public List<(int Current, int Total)> Iterations { get; } = [];

    /// <summary>Called on each reported iteration, after it is recorded (e.g. to cancel mid-run).</summary>
    public Action<int, int>? OnIteration { get; set; }

    public FakeOperatorContext WithInput(string name, object? value)
    {
        _inputs[name] = value;
        return this;
    }

    public FakeOperatorContext WithComponent(string slot, object component)
    {
        _components[slot] = component;
        return this;
    }

    public override T GetInput<T>(string name)
    {
        var port = Port(name);
        if (_inputs.TryGetValue(name, out object? value))
        {
            return Convert<T>(value);
        }

        if (port.Default is not null)
        {
            return Convert<T>(port.Default);
        }

        throw new InvalidOperationException($"Input '{name}' was not given and has no default.");
    }

    public override bool HasInput(string name) =>
        (_inputs.TryGetValue(name, out object? value) && value is not null) || Port(name).Default is not null;

    public override ValueTask<T> GetComponentAsync<T>(string slot, CancellationToken cancellationToken)
    {
        if (!pipelineOperator.Signature.Components.Any(c => c.Name == slot))
        {
            throw new InvalidOperationException($"Operator '{pipelineOperator.Signature.Name}' has no component slot '{slot}'.");
        }

        return _components.TryGetValue(slot, out object? component)
            ? ValueTask.FromResult((T)component)
            : throw new InvalidOperationException($"No component bound to slot '{slot}'.");
    }

    public override bool HasComponent(string slot) => _components.ContainsKey(slot);

    /// <summary>What the operator streamed, in order.</summary>
    public List<object> Outputs { get; } = [];

    public override void ReportOutput(object chunk) => Outputs.Add(chunk);

    public override void ReportIteration(int current, int total)
    {
        Iterations.Add((current, total));
        OnIteration?.Invoke(current, total);
    }

    private InputPort Port(string name) =>
        pipelineOperator.Signature.Inputs.FirstOrDefault(p => p.Name == name)
        ?? throw new InvalidOperationException($"Operator '{pipelineOperator.Signature.Name}' has no input '{name}'.");

    // The executor widens int to double (InputPort's contract); nothing else is converted.
    private static T Convert<T>(object? value) => value switch
    {
        int i when typeof(T) == typeof(double) => (T)(object)(double)i,
        _ => (T)value!,
    };

    private sealed class EmptyServiceProvider : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
