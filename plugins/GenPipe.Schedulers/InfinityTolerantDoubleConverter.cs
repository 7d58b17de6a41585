using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GenPipe.Schedulers;

/// <summary>
/// Reads a double that Python may have written as a string: <c>"-inf"</c>, <c>"inf"</c>, <c>"-Infinity"</c> or a
/// number in quotes (diffusers' <c>lambda_min_clipped</c> defaults to -inf, which JSON cannot hold as a number).
/// </summary>
internal sealed class InfinityTolerantDoubleConverter : JsonConverter<double>
{
    /// <inheritdoc />
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            return reader.GetDouble();
        }

        string? text = reader.TokenType == JsonTokenType.String ? reader.GetString()?.Trim() : null;
        switch (text?.ToLowerInvariant())
        {
            case "-inf" or "-infinity":
                return double.NegativeInfinity;
            case "inf" or "+inf" or "infinity":
                return double.PositiveInfinity;
            case "nan":
                return double.NaN;
        }

        if (text is not null && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
        {
            return value;
        }

        throw new JsonException($"Expected a number or \"-inf\"/\"inf\", got {reader.TokenType} '{text}'.");
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(double.IsNaN(value) ? "nan" : value > 0 ? "inf" : "-inf");
        }
    }
}
