using GenPipe.Tensors.SafeTensors;
using Shouldly;
using Xunit;

namespace GenPipe.Tensors.Tests.SafeTensors;

/// <summary>
/// U8 tensors (8-bit pixels, class labels) load as byte arrays; asking for bytes from any other dtype, or for floats
/// or longs from U8, is refused with a message naming the accessor that does load it.
/// </summary>
public sealed class SafeTensorsUInt8Tests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void U8_loads_every_byte_value_in_row_major_order()
    {
        // All 256 values, in a [16, 16] tensor after a 3-byte one: bytes need no alignment.
        byte[] all = [.. Enumerable.Range(0, 256).Select(i => (byte)(255 - i))];
        string path = _folder.File("u8.safetensors");
        File.WriteAllBytes(path, CraftedFile.Build(
            "{\"labels\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]},\"pixels\":{\"dtype\":\"U8\",\"shape\":[16,16],\"data_offsets\":[3,259]}}",
            [7, 0, 9, .. all]));

        using var file = SafeTensorsFile.Open(path);

        file.LoadUInt8("labels").ShouldBe([(byte)7, 0, 9]);
        file.Entries["pixels"].DataBegin.ShouldBe(3);
        byte[] pixels = file.LoadUInt8("pixels");
        pixels.ShouldBe(all);
        pixels[16 * 15].ShouldBe((byte)15, "row 15, column 0");
        file.Entries["pixels"].Shape.ShouldBe([16, 16]);
        file.Entries["pixels"].DType.ShouldBe(SafeTensorsDType.U8);
    }

    [Fact]
    public void Each_load_is_a_copy_of_its_own()
    {
        string path = _folder.File("copy.safetensors");
        File.WriteAllBytes(path, CraftedFile.Build("{\"x\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", [1, 2]));
        using var file = SafeTensorsFile.Open(path);

        byte[] first = file.LoadUInt8("x");
        first[0] = 200;

        file.LoadUInt8("x").ShouldBe([(byte)1, 2]);
        File.ReadAllBytes(path)[^2].ShouldBe((byte)1);
    }

    [Fact]
    public void Empty_and_scalar_U8_tensors_load()
    {
        string path = _folder.File("edge.safetensors");
        File.WriteAllBytes(path, CraftedFile.Build(
            "{\"empty\":{\"dtype\":\"U8\",\"shape\":[0,28],\"data_offsets\":[0,0]},\"one\":{\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[0,1]}}",
            [42]));
        using var file = SafeTensorsFile.Open(path);

        file.LoadUInt8("empty").ShouldBeEmpty();
        file.LoadUInt8("one").ShouldBe([(byte)42]);
    }

    [Fact]
    public void Asking_for_bytes_from_another_dtype_names_the_accessor_that_loads_it()
    {
        string path = _folder.File("mixed.safetensors");
        File.WriteAllBytes(path, CraftedFile.Build(
            "{\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},"
            + "\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[12,14]},\"s\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[14,15]},"
            + "\"u\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[15,16]}}",
            new byte[16]));
        using var file = SafeTensorsFile.Open(path);

        Should.Throw<NotSupportedException>(() => file.LoadUInt8("w")).Message
            .ShouldBe($"{path}: tensor 'w' is F32, not U8. Fix: use Load for F32, F16 and BF16 tensors.");
        Should.Throw<NotSupportedException>(() => file.LoadUInt8("h")).Message.ShouldContain("'h' is F16, not U8. Fix: use Load");
        Should.Throw<NotSupportedException>(() => file.LoadUInt8("ids")).Message
            .ShouldBe($"{path}: tensor 'ids' is I64, not U8. Fix: use LoadInt64 for I64 tensors.");

        // A signed byte is not read as unsigned: the values would change meaning without a word.
        Should.Throw<NotSupportedException>(() => file.LoadUInt8("s")).Message
            .ShouldBe($"{path}: tensor 's' is I8, not U8. Fix: GenPipe loads F32, F16 and BF16 tensors as float32 (I64 with LoadInt64, U8 with LoadUInt8); convert the file, e.g. with PyTorch, to one of those.");

        // And the other accessors point back at LoadUInt8.
        Should.Throw<NotSupportedException>(() => file.Load("u")).Message
            .ShouldBe($"{path}: tensor 'u' is U8, which Load does not support. Fix: use LoadUInt8 for U8 tensors.");
        Should.Throw<NotSupportedException>(() => file.LoadInto("u", new float[1])).Message.ShouldContain("use LoadUInt8");
        Should.Throw<NotSupportedException>(() => file.LoadInt64("u")).Message
            .ShouldBe($"{path}: tensor 'u' is U8, not I64. Fix: use LoadUInt8 for U8 tensors.");
        Should.Throw<KeyNotFoundException>(() => file.LoadUInt8("missing")).Message.ShouldContain("no tensor named 'missing'");
    }

    [Fact]
    public void A_file_shortened_after_opening_is_refused_instead_of_faulting()
    {
        string path = _folder.File("shrunk.safetensors");
        File.WriteAllBytes(path, CraftedFile.Build("{\"x\":{\"dtype\":\"U8\",\"shape\":[4096],\"data_offsets\":[0,4096]}}", new byte[4096]));
        using var file = SafeTensorsFile.Open(path);

        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(100);
        }

        Should.Throw<SafeTensorsFormatException>(() => file.LoadUInt8("x")).Message.ShouldContain("the file shrank");
    }
}
