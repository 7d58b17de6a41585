using System.Buffers.Binary;
using GenPipe.Tensors.SafeTensors;
using Shouldly;
using Xunit;

namespace GenPipe.Tensors.Tests.SafeTensors;

public sealed class SafeTensorsRoundTripTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static Tensor Iota(params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        for (int i = 0; i < t.Length; i++)
        {
            t.Span[i] = (i * 0.37f) - 3f;
        }

        return t;
    }

    [Fact]
    public void F32_round_trips_exactly_and_loads_memory_mapped()
    {
        var tensor = Iota(2, 3, 4);
        string path = _folder.File("f32.safetensors");

        SafeTensorsWriter.Write(path, [new("w", tensor)], new Dictionary<string, string> { ["format"] = "pt" });

        using var file = SafeTensorsFile.Open(path);
        Tensor loaded = file.Load("w");
        loaded.GetShape().ShouldBe([2, 3, 4]);
        loaded.Span.ToArray().ShouldBe(tensor.Span.ToArray());
        loaded.Storage.ShouldBeOfType<MappedStorage>().SourcePath.ShouldBe(path);
        file.Metadata.ShouldBe(new Dictionary<string, string> { ["format"] = "pt" });
        file.Entries["w"].DType.ShouldBe(SafeTensorsDType.F32);
        file.Entries["w"].ByteLength.ShouldBe(96);
    }

    [Fact]
    public void F16_and_Bf16_round_trip_to_the_rounded_values()
    {
        float[] values = [0f, 1f, -2.75f, 0.1f, 1000.5f, 3.0e-5f, -65504f, 1.00390625f];
        var tensor = new Tensor(values, 2, 4);
        string f16 = _folder.File("f16.safetensors");
        string bf16 = _folder.File("bf16.safetensors");

        SafeTensorsWriter.Write(f16, [new("x", tensor)], dtype: SafeTensorsDType.F16);
        SafeTensorsWriter.Write(bf16, [new("x", tensor)], dtype: SafeTensorsDType.BF16);

        using var half = SafeTensorsFile.Open(f16);
        half.Load("x").Span.ToArray().ShouldBe(values.Select(v => (float)(Half)v).ToArray());
        half.Entries["x"].ByteLength.ShouldBe(16);
        using var brain = SafeTensorsFile.Open(bf16);
        // bfloat16 keeps 8 significant bits: 0.1 -> 0.10009765625, 1000.5 -> 1000, 1 + 2^-8 (a tie) -> 1.
        brain.Load("x").Span.ToArray().ShouldBe([0f, 1f, -2.75f, 0.10009765625f, 1000f, 3.0040740966796875e-05f, -65536f, 1f]); // torch 1.13: x.to(torch.bfloat16).float()
        brain.Load("x").Storage.ShouldBeOfType<ArrayStorage>();
    }

    [Fact]
    public void Int64_round_trips_exactly()
    {
        long[] values = [long.MinValue, -1, 0, 1, 49407, long.MaxValue];
        string path = _folder.File("i64.safetensors");

        new SafeTensorsWriter().AddInt64("ids", values, 2, 3).Save(path);

        using var file = SafeTensorsFile.Open(path);
        file.LoadInt64("ids").ShouldBe(values);
        file.Entries["ids"].Shape.ShouldBe([2, 3]);
        file.Entries["ids"].DType.ShouldBe(SafeTensorsDType.I64);
    }

    [Fact]
    public void Mixed_file_keeps_every_tensor_aligned_and_the_header_padded()
    {
        string path = _folder.File("mixed.safetensors");
        var writer = new SafeTensorsWriter()
            .Add("a.half", Iota(3), SafeTensorsDType.F16)
            .Add("b.brain", Iota(5), SafeTensorsDType.BF16)
            .Add("c.float", Iota(7))
            .AddInt64("d.ids", [5, 6, 7], 3);
        writer.Metadata["note"] = "mixed";
        writer.Save(path);

        byte[] bytes = File.ReadAllBytes(path);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        (headerLength % 8).ShouldBe(0);
        using var file = SafeTensorsFile.Open(path);
        foreach (SafeTensorsEntry entry in file.Entries.Values)
        {
            int size = entry.DType == SafeTensorsDType.I64 ? 8 : entry.DType == SafeTensorsDType.F32 ? 4 : 2;
            (entry.FileOffset % size).ShouldBe(0, entry.Name);
        }

        file.Entries["d.ids"].DataBegin.ShouldBe(0, "8-byte elements come first");
        file.Load("c.float").Storage.ShouldBeOfType<MappedStorage>();
        file.Load("c.float").Span.ToArray().ShouldBe(Iota(7).Span.ToArray());
        file.Load("a.half").Span.ToArray().ShouldBe(Iota(3).Span.ToArray().Select(v => (float)(Half)v).ToArray());
        file.LoadInt64("d.ids").ShouldBe([5L, 6, 7]);
        file.Metadata["note"].ShouldBe("mixed");
    }

    [Fact]
    public void Header_is_padded_with_spaces_to_eight_bytes()
    {
        string path = _folder.File("pad.safetensors");
        SafeTensorsWriter.Write(path, [new("abc", Iota(1))]);

        byte[] bytes = File.ReadAllBytes(path);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        (headerLength % 8).ShouldBe(0);
        string header = System.Text.Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        header.TrimEnd(' ').ShouldBe("{\"abc\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        bytes.Length.ShouldBe(8 + (int)headerLength + 4);
    }

    [Fact]
    public void Strided_views_are_written_row_major()
    {
        var t = Iota(3, 4);
        string path = _folder.File("strided.safetensors");
        var transposed = t.Transpose(0, 1);                   // [4, 3], not contiguous
        var column = t.Slice(1, 2, 1);                        // [3, 1], stride 4
        var broadcast = Iota(1, 3).View.BroadcastTo(new Dims([2, 3])); // stride 0 on the first axis

        SafeTensorsWriter.Write(path, [new("t", transposed), new("c", column), new("b", broadcast)], dtype: SafeTensorsDType.F32);
        SafeTensorsWriter.Write(path + ".bf16", [new("t", transposed)], dtype: SafeTensorsDType.BF16);

        using var file = SafeTensorsFile.Open(path);
        file.Load("t").GetShape().ShouldBe([4, 3]);
        file.Load("t").Span.ToArray().ShouldBe(transposed.View.ToArray());
        file.Load("c").Span.ToArray().ShouldBe([t[0, 2], t[1, 2], t[2, 2]]);
        file.Load("b").Span.ToArray().ShouldBe([-3f, -2.63f, -2.26f, -3f, -2.63f, -2.26f]);
        using var brain = SafeTensorsFile.Open(path + ".bf16");
        brain.Load("t")[1, 2].ShouldBe(t[2, 1], 0.01f);
    }

    [Fact]
    public void LoadInto_converts_into_a_caller_buffer()
    {
        string path = _folder.File("into.safetensors");
        SafeTensorsWriter.Write(path, [new("x", Iota(4))], dtype: SafeTensorsDType.F16);
        using var file = SafeTensorsFile.Open(path);
        var buffer = new float[6];

        file.LoadInto("x", buffer.AsSpan(1));

        buffer.ShouldBe([0f, (float)(Half)(-3f), (float)(Half)(-2.63f), (float)(Half)(-2.26f), (float)(Half)(-1.89f), 0f]);
        Should.Throw<ArgumentException>(() => file.LoadInto("x", new float[3]));
    }

    [Fact]
    public void Misaligned_F32_data_is_copied_with_the_right_values()
    {
        // A U8 tensor of 1 byte first pushes the F32 tensor to an odd file offset.
        string path = _folder.File("odd.safetensors");
        byte[] data = [9, .. CraftedFile.Floats(1.5f, -2f)];
        File.WriteAllBytes(path, CraftedFile.Build(
            "{\"u\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"f\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[1,9]}}", data));

        using var file = SafeTensorsFile.Open(path);

        (file.Entries["f"].FileOffset % 4).ShouldNotBe(0);
        Tensor loaded = file.Load("f");
        loaded.Span.ToArray().ShouldBe([1.5f, -2f]);
        loaded.Storage.ShouldBeOfType<ArrayStorage>();
        file.ReadBytes("u").ShouldBe([(byte)9]);
    }

    [Fact]
    public void Unsupported_dtypes_are_listed_but_Load_says_so()
    {
        string path = _folder.File("ints.safetensors");
        File.WriteAllBytes(path, CraftedFile.Build(
            "{\"i\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]},\"l\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[8,16]}}",
            new byte[16]));
        using var file = SafeTensorsFile.Open(path);

        file.Entries["i"].DType.ShouldBe(SafeTensorsDType.I32);
        Should.Throw<NotSupportedException>(() => file.Load("i")).Message
            .ShouldBe($"{path}: tensor 'i' is I32, which Load does not support. Fix: GenPipe loads F32, F16 and BF16 tensors as float32 (I64 with LoadInt64, U8 with LoadUInt8); convert the file, e.g. with PyTorch, to one of those.");
        Should.Throw<NotSupportedException>(() => file.Load("l")).Message.ShouldContain("use LoadInt64");
        Should.Throw<NotSupportedException>(() => file.LoadInt64("i")).Message.ShouldContain("'i' is I32, not I64");
        Should.Throw<KeyNotFoundException>(() => file.Load("missing")).Message.ShouldContain("no tensor named 'missing'. The file holds 2 tensors (i, l)");
    }

    [Fact]
    public void Writer_refuses_bad_input_before_touching_the_disk()
    {
        var writer = new SafeTensorsWriter().Add("a", Iota(2));
        Should.Throw<ArgumentException>(() => writer.Add("a", Iota(2))).Message.ShouldContain("already added");
        Should.Throw<ArgumentException>(() => writer.Add("__metadata__", Iota(2))).Message.ShouldContain("reserved");
        Should.Throw<ArgumentException>(() => writer.Add("b", Iota(2), SafeTensorsDType.I32)).Message.ShouldContain("not I32");
        Should.Throw<ArgumentException>(() => writer.AddInt64("c", [1, 2, 3], 2)).Message.ShouldContain("holds 2 elements but 3");
        Should.Throw<ArgumentException>(() => writer.Add("d", default));
    }

    [Fact]
    public void Failed_save_leaves_the_existing_file_and_no_temporary_file()
    {
        string path = _folder.File("model.safetensors");
        SafeTensorsWriter.Write(path, [new("old", Iota(2))]);
        byte[] before = File.ReadAllBytes(path);
        var pool = new TensorBufferPool();
        Tensor released = pool.Rent(4);
        released.Dispose(); // its storage now throws when read, half-way through writing the data

        Should.Throw<ObjectDisposedException>(() => SafeTensorsWriter.Write(path, [new("a", Iota(1000)), new("b", released)]));

        File.ReadAllBytes(path).ShouldBe(before);
        Directory.GetFiles(_folder.Path).ShouldBe([path]);
    }

    [Fact]
    public void Save_replaces_an_existing_file()
    {
        string path = _folder.File("model.safetensors");
        SafeTensorsWriter.Write(path, [new("old", Iota(2))]);
        SafeTensorsWriter.Write(path, [new("new", Iota(3))]);

        using var file = SafeTensorsFile.Open(path);
        file.Entries.Keys.ShouldBe(["new"]);
        Directory.GetFiles(_folder.Path).ShouldBe([path]);
    }
}
