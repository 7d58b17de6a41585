using System.Globalization;
using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Operators;

namespace GenPipe.Testing;

/// <summary>
/// An <see cref="OperatorContext"/> for running an operator in a test, without the engine: inputs and components are
/// what the test gives; iterations, streamed output, written files and component leases are recorded for the test to
/// check.
/// </summary>
/// <remarks>
/// Given the operator, the context behaves as the engine's does for its signature: an input that is not given takes
/// the port's default, a name the signature does not declare is an error, and a JSON number converts to the numeric
/// type the operator asks for. Without one, inputs are exactly what the test gave.
/// </remarks>
/// <example>
/// <code>
/// var context = new FakeOperatorContext(new ClampOperator()).WithInput("samples", samples).WithComponent("decoder", decoder);
/// var result = await new ClampOperator().ExecuteAsync(context, CancellationToken.None);
/// Assert.Empty(context.OpenLeases);
/// </code>
/// </example>
public sealed class FakeOperatorContext : OperatorContext
{
    private readonly IPipelineOperator? _operator;
    private readonly Dictionary<string, object?> _inputs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object> _components = new(StringComparer.Ordinal);
    private readonly FakeServices _services = new();
    private readonly List<(int Current, int Total)> _iterations = [];
    private readonly List<object> _outputs = [];
    private readonly List<FakeLease> _leases = [];
    private readonly Lock _lock = new();

    /// <summary>A context for <paramref name="pipelineOperator"/> (its signature gives defaults and the known names), or for any operator when null.</summary>
    public FakeOperatorContext(IPipelineOperator? pipelineOperator = null, string stepId = "test")
    {
        _operator = pipelineOperator;
        StepId = stepId;
        Services = _services;
    }

    /// <inheritdoc />
    public override string StepId { get; }

    /// <inheritdoc />
    public override IServiceProvider Services { get; }

    /// <summary>The in-memory sink behind <see cref="Artifacts"/>: what the operator wrote.</summary>
    public FakeArtifactSink Sink { get; } = new();

    /// <inheritdoc />
    public override IArtifactSink Artifacts => Sink;

    /// <summary>Every (current, total) pair reported, in order.</summary>
    public IReadOnlyList<(int Current, int Total)> Iterations
    {
        get
        {
            lock (_lock)
            {
                return [.. _iterations];
            }
        }
    }

    /// <summary>Called on each reported iteration, after it is recorded (e.g. to cancel a run midway).</summary>
    public Action<int, int>? OnIteration { get; set; }

    /// <summary>What the operator streamed with <see cref="ReportOutput"/>, in order.</summary>
    public IReadOnlyList<object> Outputs
    {
        get
        {
            lock (_lock)
            {
                return [.. _outputs];
            }
        }
    }

    /// <summary>Every lease <see cref="AcquireAsync{T}"/> handed out, in order, open or released.</summary>
    public IReadOnlyList<FakeLease> Leases
    {
        get
        {
            lock (_lock)
            {
                return [.. _leases];
            }
        }
    }

    /// <summary>The slots of the leases still open: empty once the operator released everything it acquired.</summary>
    public IReadOnlyList<string> OpenLeases => [.. Leases.Where(l => !l.IsReleased).Select(l => l.Slot)];

    /// <summary>Sets input <paramref name="name"/>; null means "not given".</summary>
    public FakeOperatorContext WithInput(string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        Port(name);
        _inputs[name] = value;
        return this;
    }

    /// <summary>Binds <paramref name="component"/> to slot <paramref name="slot"/>.</summary>
    public FakeOperatorContext WithComponent(string slot, object component)
    {
        ArgumentNullException.ThrowIfNull(slot);
        ArgumentNullException.ThrowIfNull(component);
        if (_operator is not null && !_operator.Signature.Components.Any(c => c.Name == slot))
        {
            throw new ArgumentException($"Operator '{_operator.Signature.Name}' has no component slot '{slot}'.", nameof(slot));
        }

        _components[slot] = component;
        return this;
    }

    /// <summary>Makes <see cref="Services"/> return <paramref name="service"/> for <typeparamref name="TService"/>.</summary>
    public FakeOperatorContext WithService<TService>(TService service)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(service);
        _services.Add(typeof(TService), service);
        return this;
    }

    /// <summary>
    /// Makes <see cref="Services"/> ask <paramref name="services"/> (e.g. a built <c>ServiceCollection</c>) for what
    /// <see cref="WithService{TService}"/> did not give.
    /// </summary>
    public FakeOperatorContext WithServices(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _services.Fallback = services;
        return this;
    }

    /// <inheritdoc />
    public override T GetInput<T>(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var port = Port(name);
        object? value = _inputs.TryGetValue(name, out object? given) && given is not null ? given : port?.Default;
        if (value is null)
        {
            if (port is { Required: false })
            {
                return default!;
            }

            throw new InvalidOperationException($"Step '{StepId}' has no value for input '{name}' (give it with WithInput).");
        }

        return Convert<T>(value, name);
    }

    /// <inheritdoc />
    public override bool HasInput(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return (_inputs.TryGetValue(name, out object? value) && value is not null) || Port(name)?.Default is not null;
    }

    /// <inheritdoc />
    public override ValueTask<T> GetComponentAsync<T>(string slot, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Component<T>(slot));

    /// <summary>A lease on the component in <paramref name="slot"/>, recorded in <see cref="Leases"/> until disposed.</summary>
    public override ValueTask<ComponentLease<T>> AcquireAsync<T>(string slot, CancellationToken cancellationToken)
    {
        // As the engine's pool does, a cancelled acquisition holds nothing.
        cancellationToken.ThrowIfCancellationRequested();
        var component = Component<T>(slot);
        var record = new FakeLease(slot, component);
        lock (_lock)
        {
            _leases.Add(record);
        }

        return ValueTask.FromResult(new ComponentLease<T>(component, record.Release));
    }

    /// <inheritdoc />
    public override bool HasComponent(string slot) => _components.ContainsKey(slot);

    /// <inheritdoc />
    public override void ReportIteration(int current, int total)
    {
        lock (_lock)
        {
            _iterations.Add((current, total));
        }

        OnIteration?.Invoke(current, total);
    }

    /// <inheritdoc />
    public override void ReportOutput(object chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        lock (_lock)
        {
            _outputs.Add(chunk);
        }
    }

    private T Component<T>(string slot)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(slot);
        if (_operator is not null && !_operator.Signature.Components.Any(c => c.Name == slot))
        {
            throw new InvalidOperationException($"Operator '{_operator.Signature.Name}' has no component slot '{slot}'.");
        }

        if (!_components.TryGetValue(slot, out object? component))
        {
            throw new InvalidOperationException($"Step '{StepId}' binds no component to slot '{slot}'; check HasComponent first for optional slots.");
        }

        return component as T ?? throw new InvalidCastException($"The component in slot '{slot}' is a {component.GetType().Name}, not a {typeof(T).Name}.");
    }

    private InputPort? Port(string name)
    {
        if (_operator is null)
        {
            return null;
        }

        return _operator.Signature.Inputs.FirstOrDefault(p => p.Name == name)
            ?? throw new ArgumentException($"Operator '{_operator.Signature.Name}' declares no input '{name}'.", nameof(name));
    }

    // The engine's conversions: pipeline numbers arrive as int or double and may be read as any numeric type, but a
    // fraction is not silently truncated to an integer. Anything else must already have the asked type.
    private T Convert<T>(object value, string name)
    {
        if (value is T typed)
        {
            return typed;
        }

        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        if (IsNumeric(target) && IsNumeric(value.GetType()))
        {
            if (value is double d && IsIntegral(target) && d != Math.Floor(d))
            {
                throw new InvalidCastException($"Input '{name}' of step '{StepId}' is {d}, which is not a whole number ({typeof(T).Name}).");
            }

            return (T)System.Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
        }

        throw new InvalidCastException($"Input '{name}' of step '{StepId}' is a {value.GetType().Name}, not a {typeof(T).Name}.");
    }

    private static bool IsNumeric(Type type) =>
        type == typeof(decimal) || (type.IsPrimitive && type != typeof(bool) && type != typeof(char) && type != typeof(IntPtr) && type != typeof(UIntPtr));

    private static bool IsIntegral(Type type) =>
        type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte) || type == typeof(uint) || type == typeof(ulong);

    private sealed class FakeServices : IServiceProvider
    {
        private readonly Dictionary<Type, object> _services = [];

        public IServiceProvider? Fallback { get; set; }

        public void Add(Type type, object service) => _services[type] = service;

        public object? GetService(Type serviceType) =>
            _services.TryGetValue(serviceType, out object? service) ? service : Fallback?.GetService(serviceType);
    }
}

/// <summary>A lease <see cref="FakeOperatorContext.AcquireAsync{T}"/> handed out.</summary>
public sealed class FakeLease
{
    private int _released;

    internal FakeLease(string slot, object component)
    {
        Slot = slot;
        Component = component;
    }

    /// <summary>The slot it was acquired for.</summary>
    public string Slot { get; }

    /// <summary>The component it held.</summary>
    public object Component { get; }

    /// <summary>True once the operator disposed the lease.</summary>
    public bool IsReleased => Volatile.Read(ref _released) != 0;

    internal void Release() => Interlocked.Exchange(ref _released, 1);
}
