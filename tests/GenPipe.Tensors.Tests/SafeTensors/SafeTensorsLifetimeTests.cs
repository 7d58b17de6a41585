using System.Runtime.CompilerServices;
using GenPipe.Tensors.SafeTensors;
using Shouldly;
using Xunit;

namespace GenPipe.Tensors.Tests.SafeTensors;

/// <summary>
/// A mapped tensor must never dangle: the mapping outlives the file object while tensors reference it and is unmapped
/// once they are collected. /proc/self/maps shows whether the file is still mapped (Linux, where CI runs).
/// </summary>
public sealed class SafeTensorsLifetimeTests : IDisposable
{
    private static readonly float[] Values = [1.25f, -2f, 3.5f, 4f, 1e-3f, 6f];
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string WriteFile(string name)
    {
        string path = _folder.File(name);
        SafeTensorsWriter.Write(path, [new("w", new Tensor(Values, 2, 3))]);
        return path;
    }

    private static bool IsMapped(string path) =>
        File.ReadLines("/proc/self/maps").Any(line => line.EndsWith(path, StringComparison.Ordinal));

    private static void CollectFully()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LoadThenDisposeFile(string path, Tensor?[] holder)
    {
        using var file = SafeTensorsFile.Open(path);
        holder[0] = file.Load("w");
        holder[0]!.Storage.ShouldBeOfType<MappedStorage>();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float[] Read(Tensor?[] holder) => holder[0]!.Span.ToArray();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Memory<float> MemoryOnly(Tensor?[] holder)
    {
        Memory<float> memory = holder[0]!.Memory;
        holder[0] = null;
        return memory;
    }

    [Fact]
    public void Disposing_the_file_keeps_loaded_tensors_valid_until_they_are_collected()
    {
        Assert.True(OperatingSystem.IsLinux(), "this test reads /proc/self/maps");
        string path = WriteFile("lifetime.safetensors");
        var holder = new Tensor?[1];

        LoadThenDisposeFile(path, holder);
        CollectFully();

        IsMapped(path).ShouldBeTrue("a live tensor keeps the view mapped after the file is disposed");
        Read(holder).ShouldBe(Values);

        holder[0] = null;
        CollectFully();

        IsMapped(path).ShouldBeFalse("the view is unmapped once no tensor references it");
    }

    [Fact]
    public void Memory_taken_from_a_mapped_tensor_keeps_the_view_mapped()
    {
        Assert.True(OperatingSystem.IsLinux(), "this test reads /proc/self/maps");
        string path = WriteFile("memory.safetensors");
        var holder = new Tensor?[1];
        LoadThenDisposeFile(path, holder);

        Memory<float> memory = MemoryOnly(holder);
        CollectFully();

        IsMapped(path).ShouldBeTrue();
        memory.Span.ToArray().ShouldBe(Values);
        using (memory.Pin())
        {
            memory.Slice(2, 1).Span[0].ShouldBe(3.5f);
        }
    }

    [Fact]
    public void Disposing_a_file_with_no_loaded_tensors_unmaps_at_once()
    {
        Assert.True(OperatingSystem.IsLinux(), "this test reads /proc/self/maps");
        string path = WriteFile("nothing-loaded.safetensors");
        var file = SafeTensorsFile.Open(path);
        file.Entries.Count.ShouldBe(1);
        IsMapped(path).ShouldBeTrue();

        file.Dispose();

        IsMapped(path).ShouldBeFalse();
    }

    [Fact]
    public void Calls_on_a_disposed_file_throw_ObjectDisposedException()
    {
        string path = WriteFile("disposed.safetensors");
        var file = SafeTensorsFile.Open(path);
        file.Dispose();
        file.Dispose(); // twice is fine

        Should.Throw<ObjectDisposedException>(() => file.Load("w"));
        Should.Throw<ObjectDisposedException>(() => file.LoadInt64("w"));
        Should.Throw<ObjectDisposedException>(() => file.LoadUInt8("w"));
        Should.Throw<ObjectDisposedException>(() => file.ReadBytes("w"));
        file.Entries.Count.ShouldBe(1, "the header stays readable");
    }

    [Fact]
    public void Writing_to_a_mapped_tensor_changes_neither_the_file_nor_other_loads()
    {
        string path = WriteFile("cow.safetensors");
        byte[] before = File.ReadAllBytes(path);
        using (var file = SafeTensorsFile.Open(path))
        {
            Tensor first = file.Load("w");
            first.Span[0] = 42f;
            first.Span[0].ShouldBe(42f);
            file.Load("w").Span[0].ShouldBe(42f, "both tensors view the same private pages of one mapping");
        }

        File.ReadAllBytes(path).ShouldBe(before);
        using var again = SafeTensorsFile.Open(path);
        again.Load("w").Span[0].ShouldBe(1.25f);
    }

    [Fact]
    public void A_file_truncated_after_open_is_refused_on_load()
    {
        string path = WriteFile("shrunk.safetensors");
        using var file = SafeTensorsFile.Open(path);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(stream.Length - 4);
        }

        Should.Throw<SafeTensorsFormatException>(() => file.Load("w")).Message.ShouldContain("shrank");
    }

    [Fact]
    public void Dispose_racing_with_loads_never_faults()
    {
        string path = _folder.File("race.safetensors");
        SafeTensorsWriter.Write(path, [new("h", Tensor.Full(0.5f, 64, 1024))], dtype: SafeTensorsDType.F16);
        for (int round = 0; round < 20; round++)
        {
            var file = SafeTensorsFile.Open(path);
            Exception? failure = null;
            var loader = new Thread(() =>
            {
                try
                {
                    while (true)
                    {
                        if (file.Load("h").Span[65535] != 0.5f)
                        {
                            throw new InvalidOperationException("wrong value");
                        }
                    }
                }
                catch (ObjectDisposedException)
                {
                    // The only acceptable way for a load to fail once the file is disposed.
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
            });
            loader.Start();
            Thread.Sleep(round % 3);
            file.Dispose();
            loader.Join(TimeSpan.FromSeconds(10)).ShouldBeTrue();
            failure.ShouldBeNull();
        }
    }
}
