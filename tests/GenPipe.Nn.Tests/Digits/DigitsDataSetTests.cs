using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using GenPipe.Nn.Data;
using GenPipe.Testing;
using Shouldly;
using Xunit;

namespace GenPipe.Nn.Tests.Digits;

/// <summary>
/// The committed data set, data/digits/digits.safetensors, as tools/train/digits_data.py wrote it: 8,000 training and
/// 2,000 held-out digits, the held-out counts per digit, the split hash, and pixels equal to PyTorch's float / 255.
/// </summary>
public sealed class DigitsDataSetTests
{
    /// <summary>SHA-256 of the held-out positions as little-endian int64, as digits_data.py printed it.</summary>
    private const string SplitSha256 = "be7279d59f11f6b5607105ccdb56e7c43a498965107b5733ecf3b82fe7d9171b";

    [Fact]
    public void Both_parts_have_their_counts_and_shapes()
    {
        var train = DigitsDataSet.Load(DigitsFiles.DataSet, DigitsDataSet.Train);
        var heldOut = DigitsFiles.HeldOut;

        train.Count.ShouldBe(8000);
        heldOut.Count.ShouldBe(2000);
        train.Images.GetShape().ShouldBe([8000, 1, 28, 28]);
        heldOut.Images.GetShape().ShouldBe([2000, 1, 28, 28]);
        train.Index.Length.ShouldBe(8000);
        heldOut.Part.ShouldBe("heldout");
        train.Labels.ShouldAllBe(label => label >= 0 && label <= 9);
    }

    [Fact]
    public void Held_out_digits_are_stratified_as_the_split_recorded()
    {
        var counts = new int[10];
        foreach (int label in DigitsFiles.HeldOut.Labels)
        {
            counts[label]++;
        }

        counts.ShouldBe([200, 225, 198, 206, 196, 173, 203, 214, 189, 196]);
    }

    [Fact]
    public void The_split_hash_is_the_sha256_of_the_held_out_positions()
    {
        var heldOut = DigitsFiles.HeldOut;

        heldOut.Metadata[DigitsDataSet.SplitHashKey].ShouldBe(SplitSha256);
        DigitsDataSet.SplitHash(heldOut.Index).ShouldBe(SplitSha256);
        DigitsDataSet.SplitHash([1L]).ShouldBe("7c9fa136d4413fa6173637e883b6998d32e1d675f88cddff9dcbcf331820f4b8"); // hashlib.sha256((1).to_bytes(8, "little"))
    }

    [Fact]
    public void The_parts_are_disjoint_and_cover_the_ten_thousand_digits()
    {
        var train = DigitsDataSet.Load(DigitsFiles.DataSet, DigitsDataSet.Train);
        long[] all = [.. train.Index, .. DigitsFiles.HeldOut.Index];

        all.Order().ToArray().ShouldBe(Enumerable.Range(0, 10_000).Select(i => (long)i).ToArray());
        DigitsFiles.HeldOut.Index.ShouldBe(DigitsFiles.HeldOut.Index.Order().ToArray(), "sorted, as the split wrote them");
    }

    [Fact]
    public void Pixels_are_the_floats_PyTorch_scored()
    {
        // The fixture's images are PyTorch's `uint8 / 255.0` in float32 for the first six held-out digits: bit for bit.
        var io = FixtureFile.Load(Path.Combine(DigitsFiles.RandomClassifier, "io.safetensors"));
        float[] expected = io.Floats("images");
        float[] actual = DigitsFiles.HeldOut.Images.Slice(0, 0, 6).View.ToArray();

        actual.ShouldBe(expected);
        io.Longs("labels").ShouldBe(DigitsFiles.HeldOut.Labels.Take(6).Select(l => (long)l).ToArray());
        DigitsFiles.HeldOut.Images.Span.ToArray().ShouldAllBe(v => v >= 0f && v <= 1f);
        DigitsFiles.HeldOut.Images.Span.ToArray().Max().ShouldBe(1f);
    }

    [Fact]
    public void An_unknown_part_is_refused()
    {
        Should.Throw<ArgumentException>(() => DigitsDataSet.Load(DigitsFiles.DataSet, "test")).Message
            .ShouldStartWith("The digits data set has the parts \"train\" and \"heldout\"; got \"test\".");
    }

    [Fact]
    public void A_file_whose_held_out_set_does_not_match_its_hash_is_refused()
    {
        string path = Path.Combine(Path.GetTempPath(), $"digits-{Guid.NewGuid():N}.safetensors");
        try
        {
            File.WriteAllBytes(path, TinyDataSet(heldOutIndex: 3, labels: 4, recordedHash: DigitsDataSet.SplitHash([2L])));
            Should.Throw<InvalidDataException>(() => DigitsDataSet.Load(path, DigitsDataSet.Train)).Message
                .ShouldBe($"{path}: 'heldout.index' hashes to {DigitsDataSet.SplitHash([3L])} but the metadata's split_sha256 is {DigitsDataSet.SplitHash([2L])}: the held-out set is not the one the file claims. Write it again with tools/train/digits_data.py.");

            File.WriteAllBytes(path, TinyDataSet(heldOutIndex: 3, labels: 10, recordedHash: DigitsDataSet.SplitHash([3L])));
            Should.Throw<InvalidDataException>(() => DigitsDataSet.Load(path, DigitsDataSet.HeldOut)).Message
                .ShouldBe($"{path}: tensor 'heldout.labels': element 0 is 10, not a digit 0 to 9.");

            var set = DigitsDataSet.Load(path, DigitsDataSet.Train);
            set.Labels.ShouldBe([4]);
            set.Images.Span.ToArray().Distinct().ShouldBe([1f]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A one-digit-per-part data set with all-white images, written by hand (GenPipe's writer has no U8).</summary>
    private static byte[] TinyDataSet(long heldOutIndex, byte labels, string recordedHash)
    {
        var parts = new List<(string Name, string DType, int[] Shape, byte[] Data)>();
        foreach (string part in new[] { "heldout", "train" })
        {
            byte[] index = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(index, part == "heldout" ? heldOutIndex : 0);
            parts.Add(($"{part}.index", "I64", [1], index));
            parts.Add(($"{part}.images", "U8", [1, 28, 28], Enumerable.Repeat((byte)255, 784).ToArray()));
            parts.Add(($"{part}.labels", "U8", [1], [part == "heldout" ? labels : (byte)4]));
        }

        var header = new Dictionary<string, object> { ["__metadata__"] = new Dictionary<string, string> { ["split_sha256"] = recordedHash } };
        long offset = 0;
        foreach (var (name, dtype, shape, data) in parts)
        {
            header[name] = new { dtype, shape, data_offsets = new[] { offset, offset + data.Length } };
            offset += data.Length;
        }

        byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        using var stream = new MemoryStream();
        stream.Write(BitConverter.GetBytes((ulong)json.Length));
        stream.Write(json);
        foreach (var part in parts)
        {
            stream.Write(part.Data);
        }

        return stream.ToArray();
    }
}
