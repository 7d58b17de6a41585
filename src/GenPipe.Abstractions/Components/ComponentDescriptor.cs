namespace GenPipe.Abstractions.Components;

/// <summary>
/// Describes a component type a plugin provides: its open string id, the contract it implements, the options it
/// accepts, and how to create it.
/// </summary>
public sealed class ComponentDescriptor
{
    /// <summary>The open id used in pipeline JSON, <c>family/name</c> (e.g. <c>scheduler/ddim</c>).</summary>
    public required string Id { get; init; }

    /// <summary>The contract the created component implements (e.g. <c>typeof(IScheduler)</c>).</summary>
    public required Type ContractType { get; init; }

    /// <summary>
    /// Further contracts the same instance serves: an autoencoder is an <c>IEncoder</c> and an <c>IDecoder</c>, a flow an
    /// encoder, a decoder and a likelihood. Registered once, loaded once, it fits any slot that needs one of them, and
    /// every step that names it, in whatever role, shares the one instance.
    /// </summary>
    public IReadOnlyList<Type> AdditionalContracts { get; init; } = [];

    /// <summary><see cref="ContractType"/> and then <see cref="AdditionalContracts"/>.</summary>
    public IReadOnlyList<Type> Contracts => [ContractType, .. AdditionalContracts];

    /// <summary>True when the component fits a slot that needs <paramref name="contract"/>.</summary>
    public bool Serves(Type contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        return contract.IsAssignableFrom(ContractType) || AdditionalContracts.Any(contract.IsAssignableFrom);
    }

    /// <summary>
    /// The options type, bound from the component's <c>options</c> JSON object with snake_case keys. It must have a
    /// public parameterless constructor; its property initialisers are the defaults.
    /// </summary>
    public Type OptionsType { get; init; } = typeof(NoOptions);

    /// <summary>One line for <c>genpipe list</c> and <c>genpipe describe</c>.</summary>
    public string Description { get; init; } = "";

    /// <summary>True when the component needs a <c>source</c> (a weights folder or file).</summary>
    public bool RequiresSource { get; init; }

    /// <summary>Other ids that resolve to this component (e.g. ComfyUI names).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>
    /// When true, option keys this component does not know are reported as warnings rather than errors (schedulers
    /// accept each other's configs, as diffusers' <c>from_config</c> does).
    /// </summary>
    public bool IgnoresUnknownOptions { get; init; }

    /// <summary>
    /// True when one instance may serve several calls at once (its methods keep no per-call state in fields, as a
    /// scheduler that returns per-run sessions). False (the default): the host's pool hands the instance to one step at
    /// a time, so concurrent runs take turns on it.
    /// </summary>
    public bool ConcurrentUse { get; init; }

    /// <summary>
    /// What the component will hold once loaded, in bytes, known before loading it: the pool makes room for this much
    /// before calling <see cref="Factory"/>. Null: the size of its <c>source</c> on disk (a file, or every file in a
    /// folder), or 0 without a source. After loading, a component implementing <see cref="IMemoryFootprint"/> is counted
    /// by what it reports instead. The pipeline compiler calls it before a run, so an estimate that reads the source's
    /// headers is also where a broken source is found early: throw <see cref="InvalidDataException"/> or an
    /// <see cref="IOException"/> (file not found) with a message naming the file and the fix, and the pipeline is
    /// refused at the component's <c>source</c> before anything runs.
    /// </summary>
    public Func<ComponentActivationContext, long>? EstimateBytes { get; init; }

    /// <summary>Creates the component. Called once per distinct (type, source, options); the result is shared.</summary>
    public required Func<ComponentActivationContext, CancellationToken, ValueTask<object>> Factory { get; init; }

    /// <summary>A descriptor whose factory receives typed options.</summary>
    public static ComponentDescriptor Create<TContract, TOptions>(
        string id,
        string description,
        Func<TOptions, ComponentActivationContext, CancellationToken, ValueTask<TContract>> factory)
        where TContract : class
        where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new ComponentDescriptor
        {
            Id = id,
            ContractType = typeof(TContract),
            OptionsType = typeof(TOptions),
            Description = description,
            Factory = async (ctx, ct) => await factory((TOptions)ctx.Options, ctx, ct).ConfigureAwait(false),
        };
    }

    /// <summary>A descriptor for a component created synchronously from its options.</summary>
    public static ComponentDescriptor Create<TContract, TOptions>(
        string id,
        string description,
        Func<TOptions, TContract> factory)
        where TContract : class
        where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(factory);
        return Create<TContract, TOptions>(id, description, (o, _, _) => ValueTask.FromResult(factory(o)));
    }
}
