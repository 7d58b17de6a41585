using System.Runtime.InteropServices;
using GenPipe.Tensors.SafeTensors;
using Shouldly;
using Xunit;

namespace GenPipe.Tensors.Tests.SafeTensors;

/// <summary>F16 and BF16 conversion checked against PyTorch 1.13 (tools/fixtures/make_safetensors_refs.py).</summary>
public sealed class SafeTensorsConversionTests : IDisposable
{
    private static readonly string RefsPath = Path.Combine(AppContext.BaseDirectory, "Refs", "safetensors", "conversion_refs.safetensors");
    private readonly TempFolder _folder = new();
    private readonly SafeTensorsFile _refs = SafeTensorsFile.Open(RefsPath);

    public void Dispose()
    {
        _refs.Dispose();
        _folder.Dispose();
    }

    private static uint[] Bits(Tensor tensor) => MemoryMarshal.Cast<float, uint>(tensor.View.ToArray()).ToArray();

    [Fact]
    public void Fixture_written_by_python_lists_its_tensors_and_metadata()
    {
        _refs.Entries["bf16"].DType.ShouldBe(SafeTensorsDType.BF16);
        _refs.Entries["f16"].DType.ShouldBe(SafeTensorsDType.F16);
        _refs.Entries["input"].Shape.ShouldBe([37]);
        _refs.Metadata["generator"].ShouldBe("tools/fixtures/make_safetensors_refs.py");
    }

    [Fact]
    public void Bf16_load_matches_torch_float_of_bfloat16_bit_for_bit()
    {
        Bits(_refs.Load("bf16")).ShouldBe(Bits(_refs.Load("bf16_as_f32")));
        Bits(_refs.Load("matrix_bf16")).ShouldBe(Bits(_refs.Load("matrix_bf16_as_f32")));
        _refs.Load("matrix_bf16").GetShape().ShouldBe([3, 5]);
    }

    [Fact]
    public void F16_load_matches_torch_float_of_half()
    {
        float[] loaded = _refs.Load("f16").View.ToArray();
        float[] expected = _refs.Load("f16_as_f32").View.ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsNaN(expected[i]))
            {
                float.IsNaN(loaded[i]).ShouldBeTrue($"element {i}");
            }
            else
            {
                BitConverter.SingleToUInt32Bits(loaded[i]).ShouldBe(BitConverter.SingleToUInt32Bits(expected[i]), $"element {i}");
            }
        }
    }

    [Fact]
    public void Bf16_write_rounds_like_torch_including_ties_subnormals_overflow_and_nan()
    {
        long[] torchBits = _refs.LoadInt64("bf16_bits");
        float[] input = _refs.Load("input").View.ToArray();
        string path = _folder.File("bf16.safetensors");

        SafeTensorsWriter.Write(path, [new("x", _refs.Load("input"))], dtype: SafeTensorsDType.BF16);

        using var file = SafeTensorsFile.Open(path);
        ushort[] written = MemoryMarshal.Cast<byte, ushort>(file.ReadBytes("x")).ToArray();
        written.Length.ShouldBe(torchBits.Length);
        for (int i = 0; i < written.Length; i++)
        {
            if (float.IsNaN(input[i]))
            {
                // Every NaN becomes the canonical quiet NaN (c10::BFloat16's scalar rule); PyTorch's vectorized CPU
                // path writes 0xFFFF instead. Both are NaN; GenPipe's output does not depend on the CPU.
                written[i].ShouldBe((ushort)0x7FC0, $"element {i}");
                ((torchBits[i] & 0x7F80) == 0x7F80 && (torchBits[i] & 0x7F) != 0).ShouldBeTrue($"torch element {i} is NaN");
            }
            else
            {
                written[i].ShouldBe((ushort)torchBits[i], $"element {i} = {input[i]:R}");
            }
        }
    }

    [Fact]
    public void F16_write_matches_torch_half()
    {
        ushort[] torchBits = MemoryMarshal.Cast<byte, ushort>(_refs.ReadBytes("f16")).ToArray();
        float[] input = _refs.Load("input").View.ToArray();
        string path = _folder.File("f16.safetensors");

        SafeTensorsWriter.Write(path, [new("x", _refs.Load("input"))], dtype: SafeTensorsDType.F16);

        using var file = SafeTensorsFile.Open(path);
        ushort[] written = MemoryMarshal.Cast<byte, ushort>(file.ReadBytes("x")).ToArray();
        for (int i = 0; i < written.Length; i++)
        {
            if (float.IsNaN(input[i]))
            {
                ((written[i] & 0x7C00) == 0x7C00 && (written[i] & 0x3FF) != 0).ShouldBeTrue($"element {i} is NaN");
            }
            else
            {
                written[i].ShouldBe(torchBits[i], $"element {i} = {input[i]:R}");
            }
        }
    }

    [Fact]
    public void Vector_paths_agree_with_the_scalar_rule_on_random_bit_patterns()
    {
        // 10 007 elements: the Vector512/256/128 loops and the scalar tail all run.
        var random = new Random(7);
        var bits = new uint[10_007];
        for (int i = 0; i < bits.Length; i++)
        {
            bits[i] = (uint)random.NextInt64(0, 1L << 32);
            if (i % 5 == 0)
            {
                bits[i] = (bits[i] & 0xFFFF_0000) | 0x8000; // exact ties
            }
        }

        float[] source = MemoryMarshal.Cast<uint, float>(bits).ToArray();
        var narrowed = new ushort[bits.Length];
        var widened = new float[bits.Length];

        BFloat16Conversion.FromSingle(source, narrowed);
        BFloat16Conversion.ToSingle(narrowed, widened);

        for (int i = 0; i < bits.Length; i++)
        {
            narrowed[i].ShouldBe(BFloat16Conversion.Round(bits[i]));
            BitConverter.SingleToUInt32Bits(widened[i]).ShouldBe((uint)narrowed[i] << 16);
        }
    }
}
