namespace GenPipe.Cli.Commands;

/// <summary>Readable names for option and input types, as <c>genpipe describe</c> shows them.</summary>
internal static class TypeNames
{
    public static string Of(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            return Of(underlying) + "?";
        }

        if (type.IsArray)
        {
            return Of(type.GetElementType()!) + "[]";
        }

        return type switch
        {
            _ when type == typeof(int) || type == typeof(long) => "int",
            _ when type == typeof(float) || type == typeof(double) => "float",
            _ when type == typeof(bool) => "bool",
            _ when type == typeof(string) => "string",
            _ when type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) => Of(type.GetGenericArguments()[0]) + "[]",
            _ when type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) => Of(type.GetGenericArguments()[0]) + "[]",
            _ => type.Name,
        };
    }
}
