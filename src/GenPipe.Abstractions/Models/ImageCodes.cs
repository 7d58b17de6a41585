using System.Globalization;
using GenPipe.Tensors;

namespace GenPipe.Abstractions.Models;

/// <summary>
/// How image codes travel between steps, and the checks every reader of them makes: a <see cref="Tensor"/> [N, h x w]
/// (each image's grid row-major) or [N, h, w], holding whole numbers from 0 to the codebook size - 1 as floats.
/// </summary>
public static class ImageCodes
{
    /// <summary>The largest codebook whose codes a float32 holds exactly (2^24).</summary>
    public const int MaxCodebookSize = 1 << 24;

    /// <summary>
    /// The codes of <paramref name="codes"/> as integers, row-major [N, h, w], after checking them against
    /// <paramref name="codebookSize"/> and the grid: [N, h x w] is read on <paramref name="grid"/>, [N, h, w] on its own.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The rank is not 2 or 3, a length does not fit <paramref name="grid"/>, or a value is not a whole number from 0 to
    /// <paramref name="codebookSize"/> - 1 (the first such is named with its row and position).
    /// </exception>
    public static (int[] Codes, int Batch, int Height, int Width) Read(Tensor codes, int codebookSize, (int Height, int Width) grid)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentOutOfRangeException.ThrowIfLessThan(codebookSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(codebookSize, MaxCodebookSize);
        var (height, width) = codes.Rank switch
        {
            2 when codes.Dim(1) == grid.Height * grid.Width => grid,
            2 => throw new ArgumentException(
                $"codes {Tensor.FormatShape(codes.Shape)} have {codes.Dim(1)} per image; this tokenizer's {grid.Height} x {grid.Width} grid takes {grid.Height * grid.Width} (or give [N, h, w] for another grid)."),
            3 => (codes.Dim(1), codes.Dim(2)),
            _ => throw new ArgumentException(
                $"codes {Tensor.FormatShape(codes.Shape)} must be [N, {grid.Height * grid.Width}] (a {grid.Height} x {grid.Width} grid, row-major) or [N, h, w]."),
        };
        int batch = codes.Dim(0);
        if (batch < 1 || height < 1 || width < 1)
        {
            throw new ArgumentException($"codes {Tensor.FormatShape(codes.Shape)} hold no image.");
        }

        var values = codes.View.ToArray();
        var result = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            float value = values[i];
            if (!(value >= 0 && value < codebookSize) || value != MathF.Floor(value))
            {
                int perImage = height * width, cell = i % perImage;
                string at = codes.Rank == 2 ? $"{i / perImage}, {cell}" : $"{i / perImage}, {cell / width}, {cell % width}";
                throw new ArgumentException(
                    $"codes[{at}] is {value.ToString(CultureInfo.InvariantCulture)}; codes are whole numbers from 0 to {codebookSize - 1} (the codebook has {codebookSize}).");
            }

            result[i] = (int)value;
        }

        return (result, batch, height, width);
    }

    /// <summary>Codes (row-major [<paramref name="batch"/>, length]) as the tensor [batch, length] steps pass on.</summary>
    public static Tensor ToTensor(ReadOnlySpan<int> codes, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        if (codes.Length % batch != 0)
        {
            throw new ArgumentException($"{codes.Length} codes do not split into {batch} images.", nameof(codes));
        }

        var values = new float[codes.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = codes[i];
        }

        return new Tensor(values, batch, codes.Length / batch);
    }
}
