using System.Diagnostics;
using GenPipe.Abstractions.Operators;
using GenPipe.Core.Execution;
using GenPipe.Core.Tests.Fakes;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests;

/// <summary>Staging folders left by processes that died mid-run are cleaned; a forced stop discards what is staged.</summary>
/// <remarks>
/// Not run beside other tests: <see cref="StagingFolders.DiscardAll"/> discards every live run of the process, as a
/// second Ctrl+C must, so a run of another test class at the same moment would lose its files.
/// </remarks>
[Collection(ProcessWideState.Name)]
public sealed class StagingFolderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Stale_folders_of_dead_processes_go_and_those_of_live_ones_stay()
    {
        int dead = PidOfAFinishedProcess();
        string stale = Path.Combine(_temp.Root, $"{StagingFolders.Prefix}{dead}-0123abcd");
        string live = Path.Combine(_temp.Root, $"{StagingFolders.Prefix}{Environment.ProcessId}-4567ef01");
        string unrelated = Path.Combine(_temp.Root, "results");
        foreach (string folder in new[] { stale, live, unrelated })
        {
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, "half.npy"), new byte[1000]);
        }

        var deleted = StagingFolders.CleanStale(_temp.Root);

        deleted.ShouldBe([stale]);
        Directory.Exists(stale).ShouldBeFalse();
        Directory.Exists(live).ShouldBeTrue();
        Directory.Exists(unrelated).ShouldBeTrue();
    }

    [Theory]
    [InlineData(".genpipe-staging-123-abc", 123)]
    [InlineData(".genpipe-staging-0123456789abcdef0123456789abcdef", null)] // older name, no process id
    [InlineData(".genpipe-staging--abc", null)]
    [InlineData("genpipe-staging-123-abc", null)]
    public void The_owner_is_read_from_the_name(string name, int? pid) =>
        StagingFolders.OwnerProcessId(name).ShouldBe(pid);

    [Fact]
    public async Task A_run_deletes_the_stale_staging_folder_beside_its_output_before_it_starts()
    {
        string stale = Path.Combine(_temp.Root, $"{StagingFolders.Prefix}{PidOfAFinishedProcess()}-deadbeef");
        Directory.CreateDirectory(stale);
        File.WriteAllBytes(Path.Combine(stale, "samples.npy"), new byte[4096]);
        bool goneWhenTheStepRan = false;
        var probe = new FakeOperator(
            new OperatorSignature("probe", "looks for the stale folder", [], [], typeof(string), Cacheable: false),
            (ctx, ct) =>
            {
                goneWhenTheStepRan = !Directory.Exists(stale);
                return ValueTask.FromResult<object>("ok");
            });
        await using var host = new TestHost(extraOperators: [probe]);

        await host.Engine.RunAsync(
            host.Load("""{ "steps": [ { "id": "p", "op": "probe" } ], "outputs": { "r": "p" } }"""),
            new PipelineRunOptions { OutputDirectory = _temp.Output });

        goneWhenTheStepRan.ShouldBeTrue();
        _temp.Entries().ShouldBeEmpty();
    }

    [Fact]
    public async Task Discarding_every_live_staging_folder_deletes_the_files_and_refuses_later_writes()
    {
        Exception? secondWrite = null;
        string[]? afterDiscard = null;
        var writer = new FakeOperator(
            new OperatorSignature("write", "writes, is stopped, writes again", [], [], typeof(string), Cacheable: false),
            async (ctx, ct) =>
            {
                await ctx.Artifacts.WriteAsync("a.npy", (s, c) => s.WriteAsync(new byte[64], c), ct);
                StagingFolders.DiscardAll(); // what a second Ctrl+C does before the process exits
                afterDiscard = _temp.Entries();
                secondWrite = await Should.ThrowAsync<ObjectDisposedException>(
                    async () => await ctx.Artifacts.WriteAsync("b.npy", (s, c) => s.WriteAsync(new byte[64], c), ct));
                throw new InvalidOperationException("stopped");
            });
        await using var host = new TestHost(extraOperators: [writer]);

        await Should.ThrowAsync<PipelineExecutionException>(() => host.Engine.RunAsync(
            host.Load("""{ "steps": [ { "id": "w", "op": "write" } ], "outputs": { "r": "w" } }"""),
            new PipelineRunOptions { OutputDirectory = _temp.Output }));

        afterDiscard.ShouldBeEmpty();
        secondWrite.ShouldNotBeNull();
        _temp.Entries().ShouldBeEmpty();
    }

    private static int PidOfAFinishedProcess()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }
}
