namespace GenPipe.Abstractions.Operators;

/// <summary>What the executor gives an operator for one step.</summary>
public abstract class OperatorContext
{
    /// <summary>The step's id in the pipeline.</summary>
    public abstract string StepId { get; }

    /// <summary>The run this step belongs to (pipeline, parameter values, components), or null outside a pipeline run.</summary>
    public virtual RunDescription? Run => null;

    /// <summary>The host's services.</summary>
    public abstract IServiceProvider Services { get; }

    /// <summary>Where operators with side effects put files. Nothing reaches the output folder unless the run succeeds.</summary>
    public abstract IArtifactSink Artifacts { get; }

    /// <summary>
    /// The value of input <paramref name="name"/> converted to <typeparamref name="T"/>, or the port's default.
    /// Throws when a required input is missing (the compiler prevents that for compiled pipelines).
    /// </summary>
    public abstract T GetInput<T>(string name);

    /// <summary>True when the input was given or has a non-null default.</summary>
    public abstract bool HasInput(string name);

    /// <summary>
    /// The component bound to slot <paramref name="slot"/>, leased for the rest of the step (see
    /// <see cref="AcquireAsync{T}"/> to release it earlier).
    /// </summary>
    public abstract ValueTask<T> GetComponentAsync<T>(string slot, CancellationToken cancellationToken) where T : class;

    /// <summary>
    /// A lease on the component bound to slot <paramref name="slot"/>. While it is open the component is not evicted
    /// and, unless it declares <see cref="GenPipe.Abstractions.Components.ComponentDescriptor.ConcurrentUse"/>, no other
    /// step uses it; dispose it as soon as the step no longer needs the component, so the memory budget can go to the
    /// next one. The step's end releases leases still open. The default wraps <see cref="GetComponentAsync{T}"/> with
    /// a lease that holds nothing, for contexts without a pool (tests).
    /// </summary>
    public virtual async ValueTask<GenPipe.Abstractions.Components.ComponentLease<T>> AcquireAsync<T>(string slot, CancellationToken cancellationToken)
        where T : class =>
        new(await GetComponentAsync<T>(slot, cancellationToken).ConfigureAwait(false), null);

    /// <summary>True when the step binds a component to <paramref name="slot"/>.</summary>
    public abstract bool HasComponent(string slot);

    /// <summary>Reports progress inside the step (e.g. denoising iteration <paramref name="current"/> of <paramref name="total"/>).</summary>
    public abstract void ReportIteration(int current, int total);

    /// <summary>
    /// Streams a piece of the step's output as soon as it exists (a generated token, ...): the CLI prints it and
    /// embedding apps receive it from <c>PipelineEngine.StreamAsync</c>. Operators that call it declare
    /// <see cref="OperatorSignature.StreamsOutput"/>.
    /// </summary>
    public abstract void ReportOutput(object chunk);
}
