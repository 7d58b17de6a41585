using System.ComponentModel;
using System.Reflection;
using System.Text.Json;

namespace GenPipe.Cli.Commands;

/// <summary>One option of a component, as <c>genpipe describe</c> shows it.</summary>
/// <param name="Key">The snake_case JSON key.</param>
/// <param name="Type">A readable type name.</param>
/// <param name="Default">The default as JSON.</param>
/// <param name="Description">From a <see cref="DescriptionAttribute"/>, when the options class has one.</param>
internal sealed record OptionInfo(string Key, string Type, string Default, string Description);

/// <summary>Reads the keys, types and defaults of a component's options class.</summary>
internal static class OptionsSchema
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static IReadOnlyList<OptionInfo> Describe(Type optionsType)
    {
        object? defaults = optionsType.GetConstructor(Type.EmptyTypes) is null ? null : Activator.CreateInstance(optionsType);
        return optionsType
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0)
            .Select(p => new OptionInfo(
                JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name),
                TypeName(p.PropertyType),
                defaults is null ? "" : JsonSerializer.Serialize(p.GetValue(defaults), p.PropertyType, Json),
                p.GetCustomAttribute<DescriptionAttribute>()?.Description ?? ""))
            .ToArray();
    }

    public static string TypeName(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            return TypeName(underlying) + "?";
        }

        if (type.IsArray)
        {
            return TypeName(type.GetElementType()!) + "[]";
        }

        return type switch
        {
            _ when type == typeof(int) || type == typeof(long) => "int",
            _ when type == typeof(float) || type == typeof(double) => "float",
            _ when type == typeof(bool) => "bool",
            _ when type == typeof(string) => "string",
            _ when type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) => TypeName(type.GetGenericArguments()[0]) + "[]",
            _ when type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) => TypeName(type.GetGenericArguments()[0]) + "[]",
            _ => type.Name,
        };
    }
}
