using System.Globalization;
using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Operators;
using GenPipe.Core.Memory;

namespace GenPipe.Core.Execution;

/// <summary>The executor's <see cref="OperatorContext"/> for one step of one run.</summary>
internal sealed class StepContext : OperatorContext
{
    private readonly PipelineStep _step;
    private readonly IReadOnlyDictionary<string, object?> _values;
    private readonly IComponentPool _pool;
    private readonly IComponentLeases _leases;
    private readonly List<IComponentLeases> _reacquired = [];
    private readonly Action<int, int> _reportIteration;
    private readonly Action<object> _reportOutput;

    public StepContext(
        PipelineStep step,
        IReadOnlyDictionary<string, object?> values,
        IComponentPool pool,
        IComponentLeases leases,
        IServiceProvider services,
        IArtifactSink artifacts,
        Action<int, int> reportIteration,
        Action<object> reportOutput,
        RunDescription? run = null)
    {
        Run = run;
        _step = step;
        _values = values;
        _pool = pool;
        _leases = leases;
        _reportIteration = reportIteration;
        _reportOutput = reportOutput;
        Services = services;
        Artifacts = artifacts;
    }

    public override string StepId => _step.Id;

    public override RunDescription? Run { get; }

    public override IServiceProvider Services { get; }

    public override IArtifactSink Artifacts { get; }

    public override T GetInput<T>(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var port = _step.Operator.Signature.Inputs.FirstOrDefault(p => p.Name == name)
            ?? throw new ArgumentException($"Operator '{_step.OperatorName}' declares no input '{name}'.", nameof(name));
        object? value = _values.TryGetValue(name, out var given) && given is not null ? given : port.Default;
        if (value is null)
        {
            if (port.Required)
            {
                throw new InvalidOperationException($"Step '{StepId}' has no value for required input '{name}'.");
            }

            return default!;
        }

        return Convert<T>(value, name);
    }

    public override bool HasInput(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_values.TryGetValue(name, out var given) && given is not null)
        {
            return true;
        }

        return _step.Operator.Signature.Inputs.FirstOrDefault(p => p.Name == name)?.Default is not null;
    }

    public override async ValueTask<T> GetComponentAsync<T>(string slot, CancellationToken cancellationToken)
    {
        var component = Slot(slot);
        return Cast<T>(component, await InstanceAsync(component, cancellationToken).ConfigureAwait(false));
    }

    public override async ValueTask<ComponentLease<T>> AcquireAsync<T>(string slot, CancellationToken cancellationToken)
    {
        var component = Slot(slot);
        var instance = Cast<T>(component, await InstanceAsync(component, cancellationToken).ConfigureAwait(false));
        return new ComponentLease<T>(instance, () => Release(component));
    }

    /// <summary>Releases every lease the step still holds: the executor calls it when the step ends, however it ends.</summary>
    public async ValueTask ReleaseAllAsync()
    {
        await _leases.DisposeAsync().ConfigureAwait(false);
        foreach (var leases in _reacquired)
        {
            await leases.DisposeAsync().ConfigureAwait(false);
        }
    }

    public override bool HasComponent(string slot) => _step.Components.ContainsKey(slot);

    private PipelineComponent Slot(string slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        return _step.Components.TryGetValue(slot, out var component)
            ? component
            : throw new InvalidOperationException($"Step '{StepId}' binds no component to slot '{slot}'; check HasComponent first for optional slots.");
    }

    // The executor leased the step's components before the operator started; a component released early and asked for
    // again is leased anew (all of the step's other leases are still held then, so this one waits alone).
    private async ValueTask<object> InstanceAsync(PipelineComponent component, CancellationToken cancellationToken)
    {
        if (_leases.Holds(component))
        {
            return _leases.Get(component);
        }

        lock (_reacquired)
        {
            if (_reacquired.FirstOrDefault(l => l.Holds(component)) is { } held)
            {
                return held.Get(component);
            }
        }

        var leases = await _pool.AcquireAsync([component], Services, cancellationToken).ConfigureAwait(false);
        lock (_reacquired)
        {
            _reacquired.Add(leases);
        }

        return leases.Get(component);
    }

    private void Release(PipelineComponent component)
    {
        _leases.Release(component);
        lock (_reacquired)
        {
            foreach (var leases in _reacquired)
            {
                leases.Release(component);
            }
        }
    }

    private T Cast<T>(PipelineComponent component, object instance) where T : class =>
        instance as T ?? throw new InvalidCastException(
            $"Component '{component.Name}' ({component.TypeId}) is a {instance.GetType().Name}, not a {typeof(T).Name}.");

    public override void ReportIteration(int current, int total) => _reportIteration(current, total);

    public override void ReportOutput(object chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        _reportOutput(chunk);
    }

    // JSON numbers arrive as int or double; operators may read them as any numeric type.
    private T Convert<T>(object value, string name)
    {
        if (value is T typed)
        {
            return typed;
        }

        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        if (IsNumeric(target) && IsNumeric(value.GetType()))
        {
            try
            {
                if (value is double d && IsIntegral(target) && d != Math.Floor(d))
                {
                    throw new InvalidCastException($"{d} is not a whole number.");
                }

                return (T)System.Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is OverflowException or InvalidCastException or FormatException)
            {
                throw new InvalidCastException($"Input '{name}' of step '{StepId}' is {value} ({value.GetType().Name}), which does not convert to {typeof(T).Name}: {ex.Message}", ex);
            }
        }

        throw new InvalidCastException($"Input '{name}' of step '{StepId}' is a {value.GetType().Name}, not a {typeof(T).Name}.");
    }

    /// <summary>A number converted to another numeric type without loss, for checks made before the run.</summary>
    internal static bool TryConvertNumber<T>(object value, out T converted)
    {
        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        converted = default!;
        if (!IsNumeric(target) || !IsNumeric(value.GetType()) || (value is double d && IsIntegral(target) && d != Math.Floor(d)))
        {
            return false;
        }

        try
        {
            converted = (T)System.Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
            return true;
        }
        catch (Exception ex) when (ex is OverflowException or InvalidCastException or FormatException)
        {
            return false;
        }
    }

    private static bool IsNumeric(Type type) =>
        type == typeof(decimal) || (type.IsPrimitive && type != typeof(bool) && type != typeof(char) && type != typeof(IntPtr) && type != typeof(UIntPtr));

    private static bool IsIntegral(Type type) =>
        type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte) || type == typeof(uint) || type == typeof(ulong);
}
