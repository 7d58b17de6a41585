namespace GenPipe.Core.Catalog;

/// <summary>Where a component or operator came from: a plugin (with its assembly path) or the host itself.</summary>
/// <param name="Name">The plugin's name (its assembly name) or <c>built-in</c>.</param>
/// <param name="Path">The plugin assembly's path, or null for static registrations.</param>
public sealed record CatalogSource(string Name, string? Path = null)
{
    /// <summary>The host's own operators.</summary>
    public static CatalogSource BuiltIn { get; } = new("built-in");

    /// <inheritdoc />
    public override string ToString() => Path is null ? Name : $"{Name} ({Path})";
}
