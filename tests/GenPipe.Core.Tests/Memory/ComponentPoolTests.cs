using GenPipe.Abstractions.Components;
using GenPipe.Core.Memory;
using GenPipe.Core.Tests.Fakes;
using NSubstitute;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests.Memory;

public sealed class ComponentPoolTests
{
    private const long MB = 1L << 20;
    private static readonly IServiceProvider Services = new EmptyServices();

    [Fact]
    public async Task A_component_asked_for_by_many_steps_at_once_loads_once()
    {
        var factory = Substitute.For<Func<object>>();
        factory().Returns(_ => new object());
        var gate = new TaskCompletionSource();
        var shared = Component("shared", 10 * MB, async () => { await gate.Task; return factory(); }, concurrent: true);
        await using var pool = new ComponentPool(new ComponentPoolOptions { BudgetBytes = 100 * MB });

        var acquires = Enumerable.Range(0, 8).Select(_ => pool.AcquireAsync([shared], Services, CancellationToken.None).AsTask()).ToArray();
        gate.SetResult();
        var leases = await Task.WhenAll(acquires);

        factory.Received(1).Invoke();
        leases.Select(l => l.Get(shared)).Distinct().Count().ShouldBe(1);
        pool.Usage.Components.ShouldBe(1);
        pool.Usage.UsedBytes.ShouldBe(10 * MB);
        foreach (var lease in leases)
        {
            await lease.DisposeAsync();
        }

        pool.Usage.LeasedBytes.ShouldBe(0);
    }

    [Fact]
    public async Task A_slow_load_does_not_hold_up_another_components_load()
    {
        var never = new TaskCompletionSource<object>();
        var slow = Component("slow", 1 * MB, () => never.Task);
        var quick = Component("quick", 1 * MB, () => Task.FromResult(new object()));
        await using var pool = new ComponentPool(new ComponentPoolOptions { BudgetBytes = 100 * MB });
        using var cancel = new CancellationTokenSource();

        var stuck = pool.AcquireAsync([slow], Services, cancel.Token).AsTask();
        await using var lease = await pool.AcquireAsync([quick], Services, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        lease.Holds(quick).ShouldBeTrue();
        stuck.IsCompleted.ShouldBeFalse();
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(stuck);
    }

    [Fact]
    public async Task Loading_what_does_not_fit_evicts_the_least_recently_used_unleased_component_and_disposes_it()
    {
        var a = Substitute.For<IDisposable>();
        var b = Substitute.For<IDisposable>();
        var c = Substitute.For<IDisposable>();
        var componentA = Component("a", 40 * MB, () => Task.FromResult<object>(a));
        var componentB = Component("b", 40 * MB, () => Task.FromResult<object>(b));
        var componentC = Component("c", 40 * MB, () => Task.FromResult<object>(c));
        await using var pool = new ComponentPool(new ComponentPoolOptions { BudgetBytes = 100 * MB });

        await (await pool.AcquireAsync([componentA], Services, CancellationToken.None)).DisposeAsync();
        await (await pool.AcquireAsync([componentB], Services, CancellationToken.None)).DisposeAsync();
        await (await pool.AcquireAsync([componentA], Services, CancellationToken.None)).DisposeAsync(); // a is now the most recent
        await using var leaseC = await pool.AcquireAsync([componentC], Services, CancellationToken.None);

        b.Received(1).Dispose();
        a.DidNotReceive().Dispose();
        pool.Usage.ShouldBe(pool.Usage with { UsedBytes = 80 * MB, Components = 2, Loads = 3, Evictions = 1 });
    }

    [Fact]
    public async Task A_leased_component_is_never_evicted_the_newcomer_waits_for_the_release()
    {
        var a = Substitute.For<IDisposable>();
        var componentA = Component("a", 60 * MB, () => Task.FromResult<object>(a));
        var componentB = Component("b", 60 * MB, () => Task.FromResult<object>(new object()));
        await using var pool = new ComponentPool(new ComponentPoolOptions { BudgetBytes = 100 * MB });

        var leaseA = await pool.AcquireAsync([componentA], Services, CancellationToken.None);
        var waiting = pool.AcquireAsync([componentB], Services, CancellationToken.None).AsTask();
        await Task.Delay(100);

        waiting.IsCompleted.ShouldBeFalse();
        a.DidNotReceive().Dispose();
        await leaseA.DisposeAsync();
        await using var leaseB = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        a.Received(1).Dispose();
        pool.Usage.UsedBytes.ShouldBe(60 * MB);
    }

    [Fact]
    public async Task Components_that_do_not_fit_even_alone_are_refused_naming_the_budget_the_need_and_the_leases()
    {
        var small = Component("text_encoder", 30 * MB, () => Task.FromResult(new object()));
        var huge = Component("unet", 90 * MB, () => Task.FromResult(new object()));
        await using var pool = new ComponentPool(new ComponentPoolOptions { BudgetBytes = 64 * MB });
        await using var held = await pool.AcquireAsync([small], Services, CancellationToken.None);

        var refusal = await Should.ThrowAsync<ComponentBudgetException>(pool.AcquireAsync([huge], Services, CancellationToken.None).AsTask());

        refusal.Message.ShouldBe(
            "The memory budget of 64 MiB is too small for this step: it needs 90 MiB at once ('unet' (test/unet) 90 MiB); " +
            "leased now: 'text_encoder' 30 MiB. Raise the budget (--memory-budget, or MemoryBudget in genpipe.json) or use smaller models.");
        pool.Usage.Components.ShouldBe(1);
    }

    [Fact]
    public async Task A_component_that_serves_one_call_at_a_time_goes_to_one_step_at_a_time()
    {
        var exclusive = Component("model", 1 * MB, () => Task.FromResult(new object()));
        var concurrent = Component("scheduler", 1 * MB, () => Task.FromResult(new object()), concurrent: true);
        await using var pool = new ComponentPool(new ComponentPoolOptions { BudgetBytes = 100 * MB });

        var first = await pool.AcquireAsync([exclusive, concurrent], Services, CancellationToken.None);
        await using var sharedOnly = await pool.AcquireAsync([concurrent], Services, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var second = pool.AcquireAsync([exclusive], Services, CancellationToken.None).AsTask();
        await Task.Delay(100);
        second.IsCompleted.ShouldBeFalse();

        object model = first.Get(exclusive);
        await first.DisposeAsync();
        await using var then = await second.WaitAsync(TimeSpan.FromSeconds(10));
        then.Get(exclusive).ShouldBeSameAs(model);
    }

    [Fact]
    public async Task A_step_cancelled_while_waiting_holds_nothing_afterwards()
    {
        var componentA = Component("a", 60 * MB, () => Task.FromResult(new object()));
        var componentB = Component("b", 60 * MB, () => Task.FromResult(new object()));
        await using var pool = new ComponentPool(new ComponentPoolOptions { BudgetBytes = 100 * MB });
        var leaseA = await pool.AcquireAsync([componentA], Services, CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = pool.AcquireAsync([componentA, componentB], Services, cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(waiting);
        await leaseA.DisposeAsync();

        pool.Usage.LeasedBytes.ShouldBe(0);
        pool.Usage.UsedBytes.ShouldBe(60 * MB);
    }

    [Fact]
    public async Task A_load_cancelled_or_failed_keeps_nothing_and_the_next_step_loads_again()
    {
        int calls = 0;
        var flaky = Component("flaky", 10 * MB, () => ++calls == 1 ? throw new InvalidDataException("truncated weights") : Task.FromResult(new object()));
        await using var pool = new ComponentPool(new ComponentPoolOptions { BudgetBytes = 100 * MB });

        var failure = await Should.ThrowAsync<InvalidDataException>(pool.AcquireAsync([flaky], Services, CancellationToken.None).AsTask());
        failure.Message.ShouldBe("truncated weights");
        pool.Usage.ShouldBe(pool.Usage with { UsedBytes = 0, Components = 0, Loads = 0 });

        await using var lease = await pool.AcquireAsync([flaky], Services, CancellationToken.None);
        calls.ShouldBe(2);
        pool.Usage.UsedBytes.ShouldBe(10 * MB);
    }

    [Fact]
    public async Task A_loaded_component_is_counted_by_the_footprint_it_reports_not_the_estimate()
    {
        var weights = Substitute.For<IMemoryFootprint>();
        weights.MemoryFootprint.Returns([new DeviceMemory("cpu", 30 * MB, 2 * MB)]);
        var component = Component("model", 10 * MB, () => Task.FromResult<object>(weights));
        await using var pool = new ComponentPool(new ComponentPoolOptions { BudgetBytes = 100 * MB });

        await using var lease = await pool.AcquireAsync([component], Services, CancellationToken.None);

        pool.Usage.UsedBytes.ShouldBe(32 * MB);
        pool.Usage.LeasedBytes.ShouldBe(32 * MB);
    }

    [Fact]
    public async Task A_component_larger_than_its_estimate_never_takes_the_pool_over_budget()
    {
        int loads = 0;
        var weights = Substitute.For<IMemoryFootprint>();
        weights.MemoryFootprint.Returns([new DeviceMemory("cpu", 60 * MB, 0)]);
        var underestimated = Component("model", 10 * MB, () => { loads++; return Task.FromResult<object>(weights); });
        var other = Component("other", 50 * MB, () => Task.FromResult(new object()));
        await using var pool = new ComponentPool(new ComponentPoolOptions { BudgetBytes = 100 * MB });
        var held = await pool.AcquireAsync([other], Services, CancellationToken.None);

        // 50 + 10 (the estimate) fits, 50 + 60 (what it holds) does not: the first instance is given up and the step
        // waits, with the real size, for the other lease to end.
        var waiting = pool.AcquireAsync([underestimated], Services, CancellationToken.None).AsTask();
        await Task.Delay(100);
        waiting.IsCompleted.ShouldBeFalse();
        await held.DisposeAsync();
        await using var lease = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        loads.ShouldBe(2);
        pool.Usage.UsedBytes.ShouldBe(60 * MB);
        pool.Usage.PeakBytes.ShouldBeLessThanOrEqualTo(100 * MB);
    }

    [Fact]
    public async Task Kept_values_count_against_the_budget_and_make_way_for_components()
    {
        var component = Component("model", 70 * MB, () => Task.FromResult(new object()));
        await using var pool = new ComponentPool(new ComponentPoolOptions { BudgetBytes = 100 * MB });
        pool.Keep("old", "old output", 40 * MB);
        pool.Keep("new", "new output", 20 * MB);
        pool.TryGetKept("old", out _).ShouldBeTrue(); // "old" is now the most recent

        await using var lease = await pool.AcquireAsync([component], Services, CancellationToken.None);

        pool.TryGetKept("new", out _).ShouldBeFalse();
        pool.TryGetKept("old", out object old).ShouldBeFalse(); // 70 + 40 > 100: both had to go
        old.ShouldBeNull();
        pool.Usage.ShouldBe(pool.Usage with { UsedBytes = 70 * MB, KeptValues = 0 });
        pool.Keep("too big", "x", 200 * MB);
        pool.TryGetKept("too big", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Disposing_the_pool_disposes_every_loaded_component_newest_first()
    {
        var order = new List<string>();
        var first = Substitute.For<IDisposable>();
        first.When(d => d.Dispose()).Do(_ => order.Add("first"));
        var second = Substitute.For<IAsyncDisposable>();
#pragma warning disable CA2012 // NSubstitute's Returns configures the call; the ValueTask is never awaited here.
        second.DisposeAsync().Returns(_ => { order.Add("second"); return ValueTask.CompletedTask; });
#pragma warning restore CA2012
        var pool = new ComponentPool(new ComponentPoolOptions { BudgetBytes = 100 * MB });
        await (await pool.AcquireAsync([Component("first", MB, () => Task.FromResult<object>(first))], Services, CancellationToken.None)).DisposeAsync();
        await (await pool.AcquireAsync([Component("second", MB, () => Task.FromResult<object>(second))], Services, CancellationToken.None)).DisposeAsync();

        await pool.DisposeAsync();

        order.ShouldBe(["second", "first"]);
        await Should.ThrowAsync<ObjectDisposedException>(pool.AcquireAsync([Component("late", MB, () => Task.FromResult(new object()))], Services, CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task A_component_is_measured_again_when_its_last_lease_ends_and_growth_evicts_what_nobody_leases()
    {
        var idle = Substitute.For<IDisposable>();
        var growing = Substitute.For<IMemoryFootprint, IDisposable>();
        growing.MemoryFootprint.Returns([new DeviceMemory("cpu", 30 * MB, 0)]);
        var componentIdle = Component("idle", 40 * MB, () => Task.FromResult<object>(idle));
        var componentGrowing = Component("growing", 20 * MB, () => Task.FromResult<object>(growing));
        await using var pool = new ComponentPool(new ComponentPoolOptions { BudgetBytes = 100 * MB });
        pool.EstimateBytes(componentGrowing, Services).ShouldBe(20 * MB, "before a load: the descriptor's estimate");
        await (await pool.AcquireAsync([componentIdle], Services, CancellationToken.None)).DisposeAsync();

        var lease = await pool.AcquireAsync([componentGrowing], Services, CancellationToken.None);
        pool.Usage.UsedBytes.ShouldBe(70 * MB, "counted at its reported 30 MiB once loaded");
        pool.EstimateBytes(componentGrowing, Services).ShouldBe(30 * MB);

        // Its buffers grow during the step (a larger call than any before): counted when the step lets go.
        growing.MemoryFootprint.Returns([new DeviceMemory("cpu", 30 * MB, 40 * MB)]);
        await lease.DisposeAsync();

        idle.Received(1).Dispose();
        ((IDisposable)growing).DidNotReceive().Dispose();
        pool.Usage.ShouldBe(pool.Usage with { UsedBytes = 70 * MB, Components = 1, Evictions = 1 });
        pool.EstimateBytes(componentGrowing, Services).ShouldBe(70 * MB);
    }

    internal static PipelineComponent Component(string name, long bytes, Func<Task<object>> create, bool concurrent = false) => new(
        name,
        "test/" + name,
        null,
        new NoOptions(),
        new ComponentDescriptor
        {
            Id = "test/" + name,
            ContractType = typeof(object),
            ConcurrentUse = concurrent,
            EstimateBytes = _ => bytes,
            Factory = async (_, _) => await create().ConfigureAwait(false),
        });
}
