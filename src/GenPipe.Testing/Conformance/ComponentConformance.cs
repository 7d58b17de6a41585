using GenPipe.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Testing;

/// <summary>
/// What the conformance bases share: the component factory, the settings a derived class may change, and the checks of
/// cancellation and concurrent use, which read the same for every contract.
/// </summary>
/// <typeparam name="TComponent">The contract under test.</typeparam>
public abstract class ComponentConformance<TComponent>
    where TComponent : class
{
    /// <summary>A base that writes what it measured to <paramref name="output"/> when given.</summary>
    protected ComponentConformance(ITestOutputHelper? output = null) => Output = output;

    /// <summary>Where the checks write what they measured (largest differences, shapes); null writes nothing.</summary>
    protected ITestOutputHelper? Output { get; }

    /// <summary>A new instance of the component under test, as its descriptor's factory would create it.</summary>
    protected abstract TComponent Create();

    /// <summary>
    /// How far row i of a batched call may lie from the same row computed alone:
    /// |batched - alone| ≤ Tolerance · max(1, |alone|). 0 (the default) asks for the same floats; raise it for
    /// components whose kernels sum in a different order for other batch sizes.
    /// </summary>
    protected virtual double Tolerance => 0;

    /// <summary>
    /// What the component's descriptor declares as <c>ComponentDescriptor.ConcurrentUse</c>: when true, the concurrency
    /// check calls one instance from several threads at once; when false, one instance per thread (the host never
    /// shares a non-concurrent instance, but different instances of it run at the same time).
    /// </summary>
    protected virtual bool ConcurrentUse => false;

    /// <summary>
    /// True (the default) when a call with an already cancelled token must throw <see cref="OperationCanceledException"/>.
    /// Override with false only for a component documented to finish regardless; the check then asks that it return
    /// what an uncancelled call returns.
    /// </summary>
    protected virtual bool ObservesCancellation => true;

    /// <summary>The batch size of batched calls (at least 2).</summary>
    protected virtual int BatchSize => 4;

    /// <summary>How many calls the concurrency check starts at once.</summary>
    protected virtual int ConcurrentCalls => 8;

    /// <summary>How many times the concurrency check starts them.</summary>
    protected virtual int ConcurrentRounds => 3;

    /// <summary>Standard normal values of <paramref name="shape"/> drawn from <c>TorchGenerator(seed)</c>.</summary>
    protected static Tensor Randn(int seed, IReadOnlyList<int> shape) => new TorchGenerator(seed).Randn([.. shape]);

    /// <summary><paramref name="perItem"/> with <paramref name="batchSize"/> in front.</summary>
    protected static int[] Batched(int batchSize, IReadOnlyList<int> perItem) => [batchSize, .. perItem];

    /// <summary>Writes a line to <see cref="Output"/>.</summary>
    protected void Log(string message) => Output?.WriteLine(message);

    /// <summary>
    /// Calls <paramref name="call"/> for indices 0 to <see cref="ConcurrentCalls"/> - 1 one after another, then all at
    /// once from as many threads (<see cref="ConcurrentRounds"/> times), and asks that every result equal the one-by-one
    /// result of its index. Different indices should give different results, so results that land on the wrong call show.
    /// </summary>
    protected async Task CheckConcurrentCallsAsync<TResult>(Func<TComponent, int, Task<TResult>> call, Action<TResult, TResult, string> assertSame)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(assertSame);
        int count = Math.Max(2, ConcurrentCalls);
        var shared = ConcurrentUse ? Create() : null;
        var instances = Enumerable.Range(0, count).Select(_ => shared ?? Create()).ToArray();
        var sequential = new TResult[count];
        for (int i = 0; i < count; i++)
        {
            sequential[i] = await call(instances[i], i).ConfigureAwait(false);
        }

        string mode = ConcurrentUse ? "one instance (ConcurrentUse)" : "one instance per call (no ConcurrentUse)";
        for (int round = 0; round < Math.Max(1, ConcurrentRounds); round++)
        {
            var parallel = await StartTogetherAsync(count, i => call(instances[i], i)).ConfigureAwait(false);
            for (int i = 0; i < count; i++)
            {
                assertSame(sequential[i], parallel[i], $"call {i} of {count} made at once on {mode}, round {round + 1}, against the same call made alone");
            }
        }

        Log($"{count} concurrent calls on {mode}, {ConcurrentRounds} rounds: results equal the sequential ones.");
    }

    /// <summary>
    /// Calls <paramref name="call"/> with an already cancelled token: it must throw <see cref="OperationCanceledException"/>
    /// (or, when <see cref="ObservesCancellation"/> is false, return what an uncancelled call returns).
    /// </summary>
    protected async Task CheckCancelledCallAsync<TResult>(string what, Func<TComponent, CancellationToken, Task<TResult>> call, Action<TResult, TResult, string> assertSame)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(assertSame);
        var component = Create();
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync().ConfigureAwait(false);
        if (!ObservesCancellation)
        {
            var uncancelled = await call(component, CancellationToken.None).ConfigureAwait(false);
            assertSame(uncancelled, await call(component, cancellation.Token).ConfigureAwait(false), $"{what} with a cancelled token (ObservesCancellation is false)");
            return;
        }

        var error = await Record.ExceptionAsync(() => call(component, cancellation.Token)).ConfigureAwait(false);
        if (error is not OperationCanceledException)
        {
            Assert.Fail(error is null
                ? $"{what} with an already cancelled token returned normally; it must throw OperationCanceledException (cancellationToken.ThrowIfCancellationRequested())."
                : $"{what} with an already cancelled token threw {error.GetType().Name} instead of OperationCanceledException: {error.Message}");
        }

        Log($"{what} with a cancelled token threw {error.GetType().Name}.");
    }

    /// <summary>Asks that two tensors hold the same floats, with <paramref name="what"/> in the failure.</summary>
    protected static void AssertSame(Tensor expected, Tensor actual, string what) => TensorAssert.Close(expected, actual, 0, what);

    // Each call starts on its own thread once all threads are ready, so the synchronous parts of the calls overlap too.
    private static async Task<TResult[]> StartTogetherAsync<TResult>(int count, Func<int, Task<TResult>> call)
    {
        using var start = new Barrier(count);
        var tasks = Enumerable.Range(0, count).Select(i => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(30));
                return call(i);
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap()).ToArray();
        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }
}
