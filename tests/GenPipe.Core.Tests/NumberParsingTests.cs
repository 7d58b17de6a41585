using System.Globalization;
using System.Text;
using System.Text.Json;
using GenPipe.Core.Pipelines;
using Shouldly;
using Xunit;

namespace GenPipe.Core.Tests;

/// <summary>
/// The fast number path for long option arrays gives the serializer's results bit for bit: <see cref="DecimalText"/>
/// against .NET's correctly rounded parser, <see cref="NumberLayout"/> against the serializer.
/// </summary>
public sealed class NumberParsingTests
{
    private static readonly JsonSerializerOptions Options = ComponentOptionsBinder.SerializerOptions;

    // Decimal texts of every shape: short and long mantissas, leading and trailing zeros, exponents near the fast
    // path's edges (10^22 for doubles, 10^10 for floats, 2^53 and 2^24 mantissas), and beyond them.
    private static IEnumerable<string> Texts(int count)
    {
        var random = new Random(20261206);
        for (int i = 0; i < count; i++)
        {
            int digits = random.Next(1, 22);
            var text = new StringBuilder();
            if (random.Next(2) == 0)
            {
                text.Append('-');
            }

            string mantissa = string.Concat(Enumerable.Range(0, digits).Select(_ => (char)('0' + random.Next(10)))).TrimStart('0');
            mantissa = mantissa.Length == 0 ? "0" : mantissa;
            int point = random.Next(0, mantissa.Length + 1);
            text.Append(point == 0 ? "0" : mantissa[..point]);
            if (point < mantissa.Length)
            {
                text.Append('.').Append(mantissa[point..]);
            }

            if (random.Next(3) == 0)
            {
                text.Append(random.Next(2) == 0 ? 'e' : 'E').Append(random.Next(3) switch { 0 => "-", 1 => "+", _ => "" }).Append(random.Next(0, 40));
            }

            yield return text.ToString();
        }

        yield return "0";
        yield return "-0";
        yield return "-0.0";
        yield return "9007199254740992";
        yield return "9007199254740993";
        yield return "16777216";
        yield return "16777217";
        yield return "1e22";
        yield return "1e23";
        yield return "1e10";
        yield return "1e11";
        yield return "0.1";
        yield return "0.30000000000000004";
        yield return "3.4028235e38";
        yield return "1e-400";
        yield return "1e400";
        yield return "12345678901234567890";
        yield return "1.000000000000000000000000001";
    }

    [Fact]
    public void Short_decimals_parse_to_the_same_bits_as_the_general_parser()
    {
        int fastDoubles = 0;
        int fastSingles = 0;
        foreach (string text in Texts(200_000))
        {
            byte[] utf8 = Encoding.ASCII.GetBytes(text);
            if (DecimalText.TryParseDouble(utf8, out double d))
            {
                fastDoubles++;
                BitConverter.DoubleToInt64Bits(d).ShouldBe(BitConverter.DoubleToInt64Bits(double.Parse(text, CultureInfo.InvariantCulture)), text);
            }

            if (DecimalText.TryParseSingle(utf8, out float f))
            {
                fastSingles++;
                BitConverter.SingleToInt32Bits(f).ShouldBe(BitConverter.SingleToInt32Bits(float.Parse(text, CultureInfo.InvariantCulture)), text);
            }
        }

        // Most short decimals take the fast path; the rest are the general parser's.
        fastDoubles.ShouldBeGreaterThan(100_000);
        fastSingles.ShouldBeGreaterThan(20_000);
        DecimalText.TryParseDouble("9007199254740993"u8, out _).ShouldBeFalse();
        DecimalText.TryParseDouble("1e23"u8, out _).ShouldBeFalse();
        DecimalText.TryParseSingle("16777217"u8, out _).ShouldBeFalse();
    }

    // The layout the source map records for an option array written as <paramref name="array"/>.
    private static (NumberLayout? Layout, byte[] File) Layout(string array)
    {
        byte[] file = Encoding.UTF8.GetBytes($$"""{ "components": { "c": { "options": { "values": {{array}} } } } }""");
        var member = JsonSourceMap.Build(file).ContainersIn("$.components.c.options").ShouldHaveSingleItem();
        return (member.Numbers, file);
    }

    [Fact]
    public void Recorded_numbers_convert_as_the_serializer_converts_them()
    {
        string[] texts = [.. Texts(3000)];
        string list = string.Join(", ", texts);
        var (flat, file) = Layout($"[{list}]");
        flat.ShouldNotBeNull();
        flat.TryConvert(file, typeof(double[]), out object? doubles).ShouldBeTrue();
        ((double[])doubles!).Select(BitConverter.DoubleToInt64Bits)
            .ShouldBe(JsonSerializer.Deserialize<double[]>($"[{list}]", Options)!.Select(BitConverter.DoubleToInt64Bits));
        flat.TryConvert(file, typeof(float[]), out object? singles).ShouldBeTrue();
        ((float[])singles!).Select(BitConverter.SingleToInt32Bits)
            .ShouldBe(JsonSerializer.Deserialize<float[]>($"[{list}]", Options)!.Select(BitConverter.SingleToInt32Bits));
        flat.TryConvert(file, typeof(double[][]), out _).ShouldBeFalse("a flat array is not rows");
        flat.TryConvert(file, typeof(int[]), out _).ShouldBeFalse("other element types bind the ordinary way");

        string rowsText = $"[[{list}], [], [1, 2e-3] /* a comment */, ]";
        var (rows, rowsFile) = Layout(rowsText);
        rows.ShouldNotBeNull();
        rows.TryConvert(rowsFile, typeof(double[][]), out object? rowValues).ShouldBeTrue();
        var expected = JsonSerializer.Deserialize<double[][]>(rowsText, Options)!;
        var actual = (double[][])rowValues!;
        actual.Length.ShouldBe(3);
        actual[0].Select(BitConverter.DoubleToInt64Bits).ShouldBe(expected[0].Select(BitConverter.DoubleToInt64Bits));
        actual[1].ShouldBeEmpty();
        actual[2].ShouldBe([1.0, 0.002]);
        rows.TryConvert(rowsFile, typeof(float[][]), out object? singleRows).ShouldBeTrue();
        ((float[][])singleRows!)[2].ShouldBe([1f, 0.002f]);
    }

    [Theory]
    [InlineData("""[1, "NaN"]""")]
    [InlineData("""[1, null]""")]
    [InlineData("""[[1], 2]""")]
    [InlineData("""[1, [2]]""")]
    [InlineData("""[[[1]]]""")]
    [InlineData("""[true]""")]
    public void Arrays_that_are_not_all_numbers_have_no_layout(string array) =>
        Layout(array).Layout.ShouldBeNull();
}
