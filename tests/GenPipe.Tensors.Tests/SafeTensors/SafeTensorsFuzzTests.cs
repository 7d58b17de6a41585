using GenPipe.Tensors.SafeTensors;
using Shouldly;
using Xunit;

namespace GenPipe.Tensors.Tests.SafeTensors;

/// <summary>
/// Random damage to a valid file: every outcome is a successful open (and loads that work) or a
/// <see cref="SafeTensorsFormatException"/>; never another exception, a crash or a huge allocation.
/// </summary>
public sealed class SafeTensorsFuzzTests : IDisposable
{
    private static readonly byte[] Interesting = "{}[]\":,-.0123456789eE ftnul\\"u8.ToArray().Concat(new byte[] { 0, 0x7F, 0x80, 0xC3, 0xFF }).ToArray();
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private byte[] ValidFile()
    {
        string path = _folder.File("valid.safetensors");
        var writer = new SafeTensorsWriter()
            .Add("f32", new Tensor([1f, 2f, 3f, 4f, 5f, 6f], 2, 3))
            .Add("f16", new Tensor([0.5f, -1f, 2f], 3), SafeTensorsDType.F16)
            .Add("bf16", new Tensor([1.5f, -3f], 2), SafeTensorsDType.BF16)
            .AddInt64("ids", [7, 8, 9], 3);
        writer.Metadata["format"] = "pt";
        writer.Save(path);
        return File.ReadAllBytes(path);
    }

    [Fact]
    public void Mutated_files_open_or_fail_with_a_format_exception()
    {
        byte[] valid = ValidFile();
        int headerEnd = 8 + (int)BitConverter.ToUInt64(valid, 0);
        var random = new Random(20261122);
        int opened = 0;
        int refused = 0;
        for (int iteration = 0; iteration < 3000; iteration++)
        {
            byte[] bytes = Mutate(valid, headerEnd, random);
            string path = _folder.File($"fuzz{iteration % 16}.safetensors");
            File.WriteAllBytes(path, bytes);
            try
            {
                using var file = SafeTensorsFile.Open(path);
                LoadEverything(file);
                opened++;
            }
            catch (SafeTensorsFormatException ex)
            {
                ex.Message.ShouldContain("Fix: ");
                refused++;
            }
            catch (Exception ex)
            {
                throw new ShouldAssertException($"iteration {iteration}: {ex.GetType().Name} instead of success or SafeTensorsFormatException", ex);
            }
        }

        // Both outcomes must actually occur, or the fuzzer is not exercising anything.
        opened.ShouldBeGreaterThan(100);
        refused.ShouldBeGreaterThan(1000);
    }

    private static void LoadEverything(SafeTensorsFile file)
    {
        foreach (SafeTensorsEntry entry in file.Entries.Values)
        {
            switch (entry.DType)
            {
                case SafeTensorsDType.F32 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 when entry.Shape.Length <= Dims.MaxRank:
                    float sum = 0;
                    foreach (float v in file.Load(entry.Name).Span)
                    {
                        sum += v;
                    }

                    _ = sum;
                    break;
                case SafeTensorsDType.I64:
                    file.LoadInt64(entry.Name).Length.ShouldBe((int)entry.ElementCount);
                    break;
                default:
                    file.ReadBytes(entry.Name).Length.ShouldBe((int)entry.ByteLength);
                    break;
            }
        }
    }

    private static byte[] Mutate(byte[] valid, int headerEnd, Random random)
    {
        byte[] bytes = (byte[])valid.Clone();
        switch (random.Next(10))
        {
            case 0:
                return bytes[..random.Next(bytes.Length)]; // truncated
            case 1:
                bytes[random.Next(8)] = (byte)random.Next(256); // length field
                return bytes;
            case 2:
                int at = random.Next(8, headerEnd); // a slice of the header repeated
                int length = random.Next(1, Math.Min(24, headerEnd - at) + 1);
                return [.. bytes[..at], .. bytes[at..(at + length)], .. bytes[at..]];
            default:
                int changes = random.Next(1, 4);
                for (int i = 0; i < changes; i++)
                {
                    // Mostly the header, where the validation lives; sometimes the data.
                    int position = random.Next(4) == 0 ? random.Next(headerEnd, bytes.Length) : random.Next(8, headerEnd);
                    bytes[position] = random.Next(2) == 0 ? Interesting[random.Next(Interesting.Length)] : (byte)random.Next(256);
                }

                return bytes;
        }
    }
}
