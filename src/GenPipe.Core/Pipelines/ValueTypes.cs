using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GenPipe.Core.Pipelines;

/// <summary>The value types of parameters and input ports, how they are named in messages, and literal conversion.</summary>
internal static class ValueTypes
{
    /// <summary>Parameter type names and the .NET types their values have.</summary>
    public static IReadOnlyDictionary<string, Type> ParameterTypes { get; } = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        ["string"] = typeof(string),
        ["int"] = typeof(int),
        ["float"] = typeof(double),
        ["bool"] = typeof(bool),
    };

    /// <summary>The name a pipeline author knows a port type by.</summary>
    public static string NameOf(Type type) =>
        type == typeof(int) ? "int"
        : type == typeof(long) ? "int"
        : type == typeof(double) || type == typeof(float) ? "float"
        : type == typeof(bool) ? "bool"
        : type == typeof(string) ? "string"
        : type.Name;

    /// <summary>True when a value of <paramref name="valueType"/> can feed a port of <paramref name="portType"/>.</summary>
    public static bool IsAssignable(Type valueType, Type portType) =>
        portType == typeof(object) || portType.IsAssignableFrom(valueType) || IsWidening(valueType, portType);

    /// <summary>A JSON value kind as a message fragment: <c>a string ("abc")</c>, <c>a number (3.5)</c>.</summary>
    public static string Describe(JsonNode? node)
    {
        if (node is null)
        {
            return "null";
        }

        string text = node.ToJsonString();
        if (text.Length > 40)
        {
            text = text[..37] + "...";
        }

        return node.GetValueKind() switch
        {
            JsonValueKind.String => $"a string ({text})",
            JsonValueKind.Number => $"a number ({text})",
            JsonValueKind.True or JsonValueKind.False => $"a bool ({text})",
            JsonValueKind.Array => "an array",
            JsonValueKind.Object => "an object",
            _ => "null",
        };
    }

    /// <summary>What a JSON value for <paramref name="type"/> must look like, e.g. "an array of numbers".</summary>
    public static string Expectation(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            return Expectation(underlying) + " or null";
        }

        if (type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte) || type == typeof(uint) || type == typeof(ulong))
        {
            return "an integer";
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return "a number";
        }

        if (type == typeof(bool))
        {
            return "true or false";
        }

        if (type == typeof(string))
        {
            return "a string";
        }

        if (type.IsEnum)
        {
            var names = Enum.GetNames(type).Select(n => JsonNamingPolicy.SnakeCaseLower.ConvertName(n));
            return "one of " + string.Join(", ", names.Select(n => $"\"{n}\""));
        }

        var element = ElementType(type);
        if (element is not null)
        {
            string inner = Expectation(element);
            return "an array of " + Plural(inner);
        }

        return "an object";
    }

    /// <summary>
    /// Converts a literal to a port's type. Returns false, with a message fragment, when the literal does not fit.
    /// </summary>
    public static bool TryConvertLiteral(JsonNode? node, Type portType, JsonSerializerOptions serializerOptions, out object? value, out string problem)
    {
        value = null;
        problem = "";
        var kind = node?.GetValueKind() ?? JsonValueKind.Null;
        var jsonValue = node as JsonValue;
        if (portType == typeof(string) && kind == JsonValueKind.String)
        {
            value = jsonValue!.GetValue<string>();
            return true;
        }

        if (portType == typeof(bool) && kind is JsonValueKind.True or JsonValueKind.False)
        {
            value = kind == JsonValueKind.True;
            return true;
        }

        if (portType == typeof(int) && kind == JsonValueKind.Number)
        {
            if (jsonValue!.TryGetValue<int>(out int i))
            {
                value = i;
                return true;
            }

            problem = "expected an integer (int), got " + Describe(node);
            return false;
        }

        if (portType == typeof(long) && kind == JsonValueKind.Number && jsonValue!.TryGetValue<long>(out long l))
        {
            value = l;
            return true;
        }

        if ((portType == typeof(double) || portType == typeof(float)) && kind == JsonValueKind.Number)
        {
            if (!jsonValue!.TryGetValue<double>(out double d) || !double.IsFinite(d))
            {
                problem = $"expected a finite number, got {Describe(node)}";
                return false;
            }

            value = portType == typeof(float) ? (float)d : d;
            return true;
        }

        if (portType == typeof(object))
        {
            value = ToPlainValue(node);
            return true;
        }

        if (portType.IsPrimitive || portType == typeof(string))
        {
            problem = $"expected {Expectation(portType)} ({NameOf(portType)}), got {Describe(node)}";
            return false;
        }

        if (ElementType(portType) is not null)
        {
            try
            {
                value = node.Deserialize(portType, serializerOptions);
                return true;
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
            {
                problem = $"expected {Expectation(portType)}, got {Describe(node)}";
                return false;
            }
        }

        problem = $"expected a {NameOf(portType)} produced by another step (write \"@<step id>\"), got {Describe(node)}";
        return false;
    }

    /// <summary>The value a parameter holds, or false when <paramref name="node"/> is not of <paramref name="type"/>.</summary>
    public static bool TryParameterValue(JsonNode? node, Type type, out object value)
    {
        value = "";
        if (!TryConvertLiteral(node, type, JsonSerializerOptions.Default, out var converted, out _) || converted is null)
        {
            return false;
        }

        value = converted;
        return true;
    }

    /// <summary>A canonical text for a value, used in cache keys.</summary>
    public static string Canonical(object? value) => value switch
    {
        null => "null",
        string s => JsonSerializer.Serialize(s),
        bool b => b ? "true" : "false",
        int i => "i:" + i.ToString(CultureInfo.InvariantCulture),
        long l => "l:" + l.ToString(CultureInfo.InvariantCulture),
        double d => "d:" + d.ToString("R", CultureInfo.InvariantCulture),
        float f => "f:" + f.ToString("R", CultureInfo.InvariantCulture),
        JsonElement e => "j:" + e.GetRawText(),
        _ => value.GetType().FullName + ":" + SerializeOrName(value),
    };

    private static string SerializeOrName(object value)
    {
        try
        {
            return JsonSerializer.Serialize(value, value.GetType());
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or JsonException)
        {
            return value.ToString() ?? "";
        }
    }

    private static object? ToPlainValue(JsonNode? node)
    {
        var kind = node?.GetValueKind() ?? JsonValueKind.Null;
        return kind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => node!.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when ((JsonValue)node!).TryGetValue<int>(out int i) => i,
            JsonValueKind.Number when ((JsonValue)node!).TryGetValue<double>(out double d) => d,
            _ => JsonSerializer.SerializeToElement(node),
        };
    }

    private static bool IsWidening(Type from, Type to) =>
        (from == typeof(int) && (to == typeof(double) || to == typeof(float) || to == typeof(long))) ||
        (from == typeof(double) && to == typeof(float));

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type) || !type.IsGenericType)
        {
            return null;
        }

        var arguments = type.GetGenericArguments();
        return arguments.Length == 1 ? arguments[0] : null;
    }

    private static string Plural(string expectation) => expectation switch
    {
        "an integer" => "integers",
        "a number" => "numbers",
        "true or false" => "bools",
        "a string" => "strings",
        "an object" => "objects",
        _ when expectation.StartsWith("an array of ", StringComparison.Ordinal) => "arrays of " + expectation["an array of ".Length..],
        _ => expectation,
    };
}
