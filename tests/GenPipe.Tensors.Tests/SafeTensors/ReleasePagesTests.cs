using GenPipe.Tensors.SafeTensors;
using GenPipe.Testing;
using Shouldly;
using Xunit;

namespace GenPipe.Tensors.Tests.SafeTensors;

/// <summary>
/// A mapped tensor's pages go back to the operating system when released (a layer that packed its weights does this)
/// and read back the file's values when touched again. The mapping's own resident size comes from /proc/self/smaps
/// (Linux, where CI runs), so other tests' memory does not disturb it.
/// </summary>
public sealed class ReleasePagesTests : IDisposable
{
    private const int Count = 2 << 20; // 8 MiB of floats
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Released_pages_leave_the_process_and_read_back_the_file_values()
    {
        Assert.True(OperatingSystem.IsLinux(), "this test reads /proc/self/smaps");
        var values = new float[Count];
        for (int i = 0; i < Count; i++)
        {
            values[i] = (i % 1000) * 0.25f;
        }

        string path = _folder.File("big.safetensors");
        SafeTensorsWriter.Write(path, [new("w", new Tensor(values, Count))]);
        using var file = SafeTensorsFile.Open(path);
        var tensor = file.Load("w");
        tensor.Storage.ShouldBeOfType<MappedStorage>();

        tensor.Span.SequenceEqual(values).ShouldBeTrue();
        MappedResidency.ResidentKiB(path).ShouldBeGreaterThanOrEqualTo(Count * sizeof(float) / 1024, "every page was read");

        tensor.Storage.ReleasePages(0, Count);
        MappedResidency.ResidentKiB(path).ShouldBeLessThanOrEqualTo(2 * Environment.SystemPageSize / 1024, "only the partial pages at the ends stay");

        tensor.Span.SequenceEqual(values).ShouldBeTrue("touched again, the pages come back from the file");
    }

    [Fact]
    public void Array_storage_ignores_the_hint_and_checks_the_range()
    {
        var tensor = new Tensor([1f, 2f, 3f], 3);
        tensor.Storage.ReleasePages(1, 2);
        tensor.Span.ToArray().ShouldBe([1f, 2f, 3f]);
        Should.Throw<ArgumentOutOfRangeException>(() => tensor.Storage.ReleasePages(2, 2));
    }
}
