using System.Diagnostics;
using System.Globalization;
using System.Text;
using GenPipe.Core.Pipelines;
using GenPipe.Core.Tests.Fakes;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests;

/// <summary>
/// Reading pipeline files: linear in their size, bounded by <see cref="InputFiles.MaxBytes"/>, clear about folders and
/// bytes that are not UTF-8, and cancellable.
/// </summary>
public sealed class LoadingTests : IAsyncLifetime
{
    private readonly TestHost _host = new();
    private readonly TempFolder _temp = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public void A_pipeline_with_a_million_numbers_on_one_line_loads_in_linear_time_and_still_points_at_the_bad_value()
    {
        // 600,000 pairs (1.2M numbers, about 14 MB) on one line; the last mean has three coordinates. A source map that
        // rescans the line for each token's column (the bug: 80,000 numbers took 12 s) would take hours here.
        const int pairs = 600_000;
        var means = new StringBuilder(pairs * 24);
        for (int i = 0; i < pairs - 1; i++)
        {
            means.Append(CultureInfo.InvariantCulture, $"[{i % 97}.125, -{i % 89}.5], ");
        }

        string prefix = "{ \"components\": { \"denoiser\": { \"type\": \"denoiser/fake\", \"options\": { \"means\": [" + means;
        string json = prefix + "[1, 2, 3]] } }, \"scheduler\": { \"type\": \"scheduler/fake-ddim\" } },\n" +
            "  \"steps\": [ { \"id\": \"latents\", \"op\": \"diffuse\", \"with\": { \"denoiser\": \"denoiser\", \"scheduler\": \"scheduler\" }, \"in\": { \"steps\": 2 } } ] }\n";
        string file = Path.Combine(_temp.Root, "big.json");
        File.WriteAllText(file, json);

        var clock = Stopwatch.StartNew();
        var ex = Should.Throw<PipelineValidationException>(() => _host.Engine.LoadFile(file));
        clock.Stop();

        var d = ex.Diagnostics.ShouldHaveSingleItem();
        d.JsonPath.ShouldBe($"$.components.denoiser.options.means[{pairs - 1}]");
        (d.Line, d.Column).ShouldBe((1, prefix.Length + 1));
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30), "loading must be linear in the file's size");
    }

    [Fact]
    public void A_file_over_the_limit_is_refused_by_name_without_being_read()
    {
        string file = Path.Combine(_temp.Root, "huge.json");
        using (var stream = File.Create(file))
        {
            stream.SetLength(InputFiles.MaxBytes + 1); // sparse: no 64 MB written
        }

        var d = Should.Throw<PipelineValidationException>(() => _host.Engine.LoadFile(file)).Diagnostics.ShouldHaveSingleItem();
        d.File.ShouldBe(file);
        d.Message.ShouldBe($"the pipeline file '{file}' is 64 MB; GenPipe reads at most 64 MB of JSON: keep large data (weights, long arrays) in files that components load, not in the JSON");
    }

    [Fact]
    public void A_device_that_never_ends_is_refused_after_the_limit()
    {
        if (!File.Exists("/dev/zero"))
        {
            return; // not on this operating system
        }

        var clock = Stopwatch.StartNew();
        var d = Should.Throw<PipelineValidationException>(() => _host.Engine.LoadFile("/dev/zero")).Diagnostics.ShouldHaveSingleItem();
        d.Message.ShouldStartWith("the pipeline file '/dev/zero' is not a regular file and gave more than 64 MB without ending");
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20), "it stops after the limit, not after gigabytes");
    }

    [Fact]
    public void A_folder_is_named_as_a_folder()
    {
        var d = Should.Throw<PipelineValidationException>(() => _host.Engine.LoadFile(_temp.Root)).Diagnostics.ShouldHaveSingleItem();
        d.File.ShouldBe(_temp.Root);
        d.Message.ShouldBe($"'{_temp.Root}' is a folder, not a pipeline file; name the .json file itself");
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_reported_with_their_offset_line_and_column()
    {
        string file = Path.Combine(_temp.Root, "latin1.json");
        // "café" in Latin-1 on line 2: the é is the single byte 0xE9.
        byte[] bytes = [.. "{\n  \"name\": \"caf"u8, 0xE9, .. "\",\n  \"steps\": []\n}\n"u8];
        File.WriteAllBytes(file, bytes);

        var d = Should.Throw<PipelineValidationException>(() => _host.Engine.LoadFile(file)).Diagnostics.ShouldHaveSingleItem();
        (d.Line, d.Column).ShouldBe((2, 15));
        d.Message.ShouldBe($"the pipeline file '{file}' is not UTF-8 text: byte 0xE9 at offset 16 (line 2, column 15) does not belong to a UTF-8 character; save the file as UTF-8");
    }

    [Fact]
    public void Utf16_is_named_as_such_and_a_utf8_byte_order_mark_is_fine()
    {
        string utf16 = Path.Combine(_temp.Root, "utf16.json");
        File.WriteAllText(utf16, Samples.Mixture, Encoding.Unicode);
        Should.Throw<PipelineValidationException>(() => _host.Engine.LoadFile(utf16)).Diagnostics.ShouldHaveSingleItem()
            .Message.ShouldBe($"the pipeline file '{utf16}' is UTF-16 text, not UTF-8; save it as UTF-8");

        string bom = Path.Combine(_temp.Root, "bom.json");
        File.WriteAllText(bom, Samples.Mixture, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        _host.Engine.LoadFile(bom).Name.ShouldBe("mixture");
    }

    [Fact]
    public void Loading_observes_its_cancellation_token()
    {
        string file = Path.Combine(_temp.Root, "p.json");
        File.WriteAllText(file, Samples.Mixture);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Should.Throw<OperationCanceledException>(() => _host.Engine.LoadFile(file, [], cancelled.Token));
        Should.Throw<OperationCanceledException>(() => _host.Engine.Load(Samples.Mixture, "p.json", null, [], cancelled.Token));
        _host.Engine.LoadFile(file, [], CancellationToken.None).Name.ShouldBe("mixture");
    }

    [Fact]
    public void The_source_map_stops_reading_a_large_document_when_cancelled()
    {
        byte[] utf8 = Encoding.UTF8.GetBytes("{ \"a\": [" + string.Join(",", Enumerable.Range(0, 100_000)) + "], \"b\": { \"c\": 1 } }");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Should.Throw<OperationCanceledException>(() => JsonSourceMap.Build(utf8, cancelled.Token));
        var map = JsonSourceMap.Build(utf8);
        map.ValueAt("$.a[99999]").ShouldBe(new SourcePosition(1, utf8.Length - 24));
        map.ValueAt("$.b.c").ShouldBe(new SourcePosition(1, utf8.Length - 4));
        map.KeyAt("$.b.c").ShouldBe(new SourcePosition(1, utf8.Length - 9));
    }
}
