using GenPipe.Bench.SchedulerQuality;
using Shouldly;
using Xunit;

namespace GenPipe.Bench.Tests;

public sealed class StepSearchTests
{
    [Theory]
    [InlineData(4, 2)]
    [InlineData(8, 4)]
    [InlineData(1000, 500)]
    public async Task A_two_evaluation_method_gets_the_most_steps_within_the_budget(int budget, int steps)
    {
        // Heun-like: 2n - 1 evaluations for n steps.
        var search = new StepSearch(n => Task.FromResult<long?>((2L * n) - 1));

        (await search.MostStepsWithinAsync(budget)).ShouldBe(steps);
    }

    [Fact]
    public async Task A_budget_below_one_step_has_no_step_count()
    {
        var search = new StepSearch(n => Task.FromResult<long?>(4L * n));

        (await search.MostStepsWithinAsync(3)).ShouldBeNull();
    }

    [Fact]
    public async Task Step_counts_the_scheduler_rejects_count_as_over_budget()
    {
        // Runs above 6 steps fail: the search settles on 6 for any larger budget.
        var search = new StepSearch(n => Task.FromResult<long?>(n <= 6 ? n : null));

        (await search.MostStepsWithinAsync(50)).ShouldBe(6);
    }

    [Fact]
    public async Task A_step_count_that_fails_does_not_hide_larger_ones()
    {
        // Like trailing spacing at some step counts: runs of 979 and 985 steps fail, 1000 steps run.
        var search = new StepSearch(n => Task.FromResult<long?>(n is 979 or 985 ? null : n));

        (await search.MostStepsWithinAsync(1000)).ShouldBe(1000);
    }

    [Fact]
    public void Failed_step_counts_are_reported_as_ranges()
    {
        QualityBench.Ranges([2, 51, 52, 53, 979, 981, 982]).ShouldBe("2, 51-53, 979, 981-982");
    }
}
