using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Shouldly;

namespace GenPipe.Cli.Tests;

/// <summary>Reads the .npy files <c>save</c> writes: the magic, a version, a header dictionary, then little-endian float32.</summary>
internal static class Npy
{
    public static (int[] Shape, float[] Values) Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        (bytes[0] == 0x93 && Encoding.ASCII.GetString(bytes, 1, 5) == "NUMPY").ShouldBeTrue($"{path} is not an .npy file");
        int headerLength = bytes[6] == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        int dataStart = (bytes[6] == 1 ? 10 : 12) + headerLength;
        string header = Encoding.ASCII.GetString(bytes, dataStart - headerLength, headerLength);
        header.ShouldContain("'descr': '<f4'");
        header.ShouldContain("'fortran_order': False");
        int[] shape = Regex.Match(header, @"'shape': \(([^)]*)\)").Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray();
        var values = new float[(bytes.Length - dataStart) / sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(dataStart + (i * sizeof(float))));
        }

        values.Length.ShouldBe(shape.Aggregate(1, (a, b) => a * b), $"{path}: data length against shape");
        return (shape, values);
    }
}
