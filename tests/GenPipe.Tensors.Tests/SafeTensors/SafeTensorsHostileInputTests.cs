using System.Text;
using GenPipe.Tensors.SafeTensors;
using Shouldly;
using Xunit;

namespace GenPipe.Tensors.Tests.SafeTensors;

public sealed class SafeTensorsHostileInputTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Entry(string dtype, string shape, string offsets) =>
        $"{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":{offsets}}}";

    private static readonly byte[] EightBytes = CraftedFile.Floats(1f, 2f);

    /// <summary>Each case: a name, the file's bytes, and a fragment the message must contain.</summary>
    public static TheoryData<string, byte[], string> Cases => new()
    {
        { "shorter than 8 bytes", [1, 2, 3], "fewer than the 8-byte" },
        { "empty file", [], "fewer than the 8-byte" },
        { "header length beyond the file", CraftedFile.Build(1000, Encoding.UTF8.GetBytes("{}")), "only 2 follow" },
        { "header over 100 MB", CraftedFile.Build(200_000_000, Encoding.UTF8.GetBytes("{}")), "limit" },
        { "header length 2^64-1", CraftedFile.Build(ulong.MaxValue, Encoding.UTF8.GetBytes("{}")), "limit" },
        { "header not UTF-8", CraftedFile.Build([(byte)'{', 0xFF, 0xFE, (byte)'}']), "UTF-8" },
        { "empty header", CraftedFile.Build(""), "not valid JSON" },
        { "header not JSON", CraftedFile.Build("hello world"), "not valid JSON" },
        { "truncated JSON", CraftedFile.Build("{\"a\":{\"dtype\":"), "not valid JSON" },
        { "header a JSON array", CraftedFile.Build("[1,2]"), "not an object" },
        { "header a JSON string", CraftedFile.Build("\"x\""), "not an object" },
        { "deeply nested JSON", CraftedFile.Build(new string('[', 500) + new string(']', 500)), "not valid JSON" },
        { "entry not an object", CraftedFile.Build("{\"a\":5}"), "tensor 'a': the entry is a JSON Number" },
        { "dtype missing", CraftedFile.Build("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", EightBytes), "'dtype' is missing" },
        { "dtype not a string", CraftedFile.Build("{\"a\":" + Entry("F32", "[2]", "[0,8]").Replace("\"F32\"", "5", StringComparison.Ordinal) + "}", EightBytes), "'dtype' is missing or not a string" },
        { "unknown dtype", CraftedFile.Build("{\"a\":" + Entry("F128", "[2]", "[0,8]") + "}", EightBytes), "dtype 'F128' is unknown" },
        { "dtype in lower case", CraftedFile.Build("{\"a\":" + Entry("f32", "[2]", "[0,8]") + "}", EightBytes), "dtype 'f32' is unknown" },
        { "shape missing", CraftedFile.Build("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", EightBytes), "'shape' is missing" },
        { "shape not an array", CraftedFile.Build("{\"a\":" + Entry("F32", "2", "[0,8]") + "}", EightBytes), "'shape' is missing or not an array" },
        { "negative dimension", CraftedFile.Build("{\"a\":" + Entry("F32", "[-2]", "[0,8]") + "}", EightBytes), "shape[0] is -2" },
        { "fractional dimension", CraftedFile.Build("{\"a\":" + Entry("F32", "[2.5]", "[0,8]") + "}", EightBytes), "shape[0] is 2.5" },
        { "dimension as a string", CraftedFile.Build("{\"a\":" + Entry("F32", "[\"2\"]", "[0,8]") + "}", EightBytes), "shape[0] is \"2\"" },
        { "dimension in exponent form", CraftedFile.Build("{\"a\":" + Entry("F32", "[2e0]", "[0,8]") + "}", EightBytes), "not a non-negative integer" },
        { "dimension beyond int", CraftedFile.Build("{\"a\":" + Entry("F32", "[4294967296]", "[0,8]") + "}", EightBytes), "per dimension" },
        { "shape product overflow", CraftedFile.Build("{\"a\":" + Entry("F32", "[2147483647,2147483647,2147483647,2147483647]", "[0,8]") + "}", EightBytes), "more elements than any file can" },
        { "data_offsets missing", CraftedFile.Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", EightBytes), "'data_offsets' is missing" },
        { "data_offsets with three numbers", CraftedFile.Build("{\"a\":" + Entry("F32", "[2]", "[0,8,8]") + "}", EightBytes), "array of two numbers" },
        { "data_offsets not numbers", CraftedFile.Build("{\"a\":" + Entry("F32", "[2]", "[\"0\",8]") + "}", EightBytes), "data_offsets[0] is \"0\"" },
        { "negative offset", CraftedFile.Build("{\"a\":" + Entry("F32", "[0]", "[-8,-8]") + "}"), "data_offsets[0] is -8" },
        { "begin after end", CraftedFile.Build("{\"a\":" + Entry("F32", "[2]", "[8,0]") + "}", EightBytes), "begin after they end" },
        { "byte length does not match shape", CraftedFile.Build("{\"a\":" + Entry("F32", "[3]", "[0,8]") + "}", EightBytes), "needs 12 bytes" },
        { "byte length does not match dtype", CraftedFile.Build("{\"a\":" + Entry("F16", "[2]", "[0,8]") + "}", EightBytes), "needs 4 bytes" },
        { "offsets outside the data section", CraftedFile.Build("{\"a\":" + Entry("F32", "[4]", "[0,16]") + "}", EightBytes), "reach past the data section's 8 bytes" },
        { "truncated data", CraftedFile.Build("{\"a\":" + Entry("F32", "[2]", "[0,8]") + "}", [1, 2, 3]), "reach past the data section's 3 bytes" },
        { "overlapping tensors", CraftedFile.Build("{\"a\":" + Entry("F32", "[2]", "[0,8]") + ",\"b\":" + Entry("F32", "[1]", "[4,8]") + "}", EightBytes), "overlap tensor" },
        { "same bytes twice", CraftedFile.Build("{\"a\":" + Entry("F32", "[2]", "[0,8]") + ",\"b\":" + Entry("F32", "[2]", "[0,8]") + "}", EightBytes), "overlap tensor" },
        { "gap between tensors", CraftedFile.Build("{\"a\":" + Entry("F32", "[1]", "[0,4]") + ",\"b\":" + Entry("U8", "[2]", "[6,8]") + "}", EightBytes), "2 bytes belong to no tensor" },
        { "gap at the start", CraftedFile.Build("{\"a\":" + Entry("F32", "[1]", "[4,8]") + "}", EightBytes), "4 bytes belong to no tensor" },
        { "trailing bytes", CraftedFile.Build("{\"a\":" + Entry("F32", "[1]", "[0,4]") + "}", EightBytes), "4 trailing bytes" },
        { "data but no tensors", CraftedFile.Build("{}", EightBytes), "8 trailing bytes" },
        { "duplicate names", CraftedFile.Build("{\"a\":" + Entry("F32", "[1]", "[0,4]") + ",\"a\":" + Entry("F32", "[1]", "[4,8]") + "}", EightBytes), "appears twice" },
        { "metadata a string", CraftedFile.Build("{\"__metadata__\":\"x\"}"), "not an object of strings" },
        { "metadata null", CraftedFile.Build("{\"__metadata__\":null}"), "not an object of strings" },
        { "metadata value a number", CraftedFile.Build("{\"__metadata__\":{\"k\":1}}"), "'__metadata__.k' is a JSON Number" },
        { "metadata value an object", CraftedFile.Build("{\"__metadata__\":{\"k\":{}}}"), "'__metadata__.k' is a JSON Object" },
        { "metadata twice", CraftedFile.Build("{\"__metadata__\":{},\"__metadata__\":{}}"), "'__metadata__' appears twice" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Broken_file_is_refused_with_a_message_naming_file_problem_and_fix(string what, byte[] bytes, string fragment)
    {
        string path = _folder.File(what.Replace(' ', '_') + ".safetensors");
        File.WriteAllBytes(path, bytes);

        var error = Should.Throw<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path).Dispose(), what);

        error.Message.ShouldContain(fragment, Case.Sensitive, what);
        error.Message.ShouldStartWith(path + ": ");
        error.Message.ShouldContain("Fix: ");
        error.FilePath.ShouldBe(path);
    }

    [Fact]
    public void Error_names_the_tensor_concerned()
    {
        string path = _folder.File("named.safetensors");
        File.WriteAllBytes(path, CraftedFile.Build("{\"good\":" + Entry("F32", "[1]", "[0,4]") + ",\"bad.weight\":" + Entry("F32", "[3]", "[4,8]") + "}", EightBytes));

        var error = Should.Throw<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path));

        error.TensorName.ShouldBe("bad.weight");
        error.Message.ShouldContain("tensor 'bad.weight': F32[3] needs 12 bytes but data_offsets [4, 8] span 4");
    }

    [Fact]
    public void Huge_claims_allocate_nothing_like_what_they_claim()
    {
        // A 99 MB header claim (under the cap) in a 40-byte file, and a shape claiming 2^62 bytes.
        string claim = _folder.File("claim.safetensors");
        File.WriteAllBytes(claim, CraftedFile.Build(99_000_000, Encoding.UTF8.GetBytes("{}")));
        string shape = _folder.File("shape.safetensors");
        File.WriteAllBytes(shape, CraftedFile.Build("{\"a\":" + Entry("F32", "[1073741824,1073741824,4]", "[0,8]") + "}", EightBytes));
        Should.Throw<SafeTensorsFormatException>(() => SafeTensorsFile.Open(claim)); // warm up the JIT and JSON

        long before = GC.GetAllocatedBytesForCurrentThread();
        Should.Throw<SafeTensorsFormatException>(() => SafeTensorsFile.Open(claim));
        Should.Throw<SafeTensorsFormatException>(() => SafeTensorsFile.Open(shape));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        allocated.ShouldBeLessThan(256 * 1024);
    }

    [Fact]
    public void Valid_edge_cases_open()
    {
        // No tensors; a zero-element tensor (empty byte range); a scalar; padding spaces after the JSON; unknown keys
        // inside an entry (upstream ignores them); dtypes GenPipe cannot load are still listed.
        string path = _folder.File("edge.safetensors");
        string header = "{\"__metadata__\":{\"format\":\"pt\"},\"empty\":" + Entry("F32", "[0,3]", "[0,0]")
            + ",\"scalar\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"extra\":true},\"flags\":" + Entry("BOOL", "[4]", "[4,8]") + "}   ";
        File.WriteAllBytes(path, CraftedFile.Build(header, CraftedFile.Floats(2.5f, 0f)));

        using var file = SafeTensorsFile.Open(path);

        file.Entries.Count.ShouldBe(3);
        file.Metadata["format"].ShouldBe("pt");
        file.Load("scalar").Span.ToArray().ShouldBe([2.5f]);
        file.Load("scalar").Rank.ShouldBe(0);
        file.Load("empty").GetShape().ShouldBe([0, 3]);
        file.Entries["flags"].DType.ShouldBe(SafeTensorsDType.BOOL);

        using var none = WriteAndOpen("none.safetensors", CraftedFile.Build("{}"));
        none.Entries.ShouldBeEmpty();
        none.Metadata.ShouldBeEmpty();
    }

    [Fact]
    public void Sub_byte_dtypes_are_sized_in_bits()
    {
        // F4 packs two elements per byte: 6 elements in 3 bytes is valid, 5 elements would need 2.5 bytes.
        using var file = WriteAndOpen("f4.safetensors", CraftedFile.Build("{\"a\":" + Entry("F4", "[6]", "[0,3]") + "}", [1, 2, 3]));
        file.Entries["a"].ElementCount.ShouldBe(6);

        File.WriteAllBytes(_folder.File("f4bad.safetensors"), CraftedFile.Build("{\"a\":" + Entry("F4", "[5]", "[0,3]") + "}", [1, 2, 3]));
        Should.Throw<SafeTensorsFormatException>(() => SafeTensorsFile.Open(_folder.File("f4bad.safetensors")))
            .Message.ShouldContain("needs 2.5 bytes");
    }

    private SafeTensorsFile WriteAndOpen(string name, byte[] bytes)
    {
        File.WriteAllBytes(_folder.File(name), bytes);
        return SafeTensorsFile.Open(_folder.File(name));
    }
}
