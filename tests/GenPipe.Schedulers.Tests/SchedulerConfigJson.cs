using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GenPipe.Schedulers.Tests;

/// <summary>Binds a diffusers config object (snake_case keys) to an options class, as the pipeline compiler does.</summary>
public static class SchedulerConfigJson
{
    /// <summary>The serializer settings of the pipeline compiler: snake_case keys, unknown keys ignored.</summary>
    public static JsonSerializerOptions SerializerOptions { get; } = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>
    /// Binds <paramref name="config"/> with <paramref name="stepKwargs"/> (diffusers' extra <c>step()</c> arguments,
    /// options here) merged in. A step argument the options class does not know fails the test: it would change
    /// the numbers and be silently dropped.
    /// </summary>
    public static TOptions Bind<TOptions>(JsonObject config, JsonObject? stepKwargs)
    {
        ArgumentNullException.ThrowIfNull(config);
        var merged = (JsonObject)config.DeepClone();
        foreach (var (key, value) in stepKwargs ?? [])
        {
            if (!Keys<TOptions>().Contains(key))
            {
                throw new InvalidDataException(
                    $"step_kwargs.{key} has no option in {typeof(TOptions).Name}; known keys: {string.Join(", ", Keys<TOptions>())}.");
            }

            merged[key] = value?.DeepClone();
        }

        return merged.Deserialize<TOptions>(SerializerOptions)
            ?? throw new InvalidDataException("The scheduler config is null.");
    }

    /// <summary>The JSON keys of an options class.</summary>
    public static IReadOnlySet<string> Keys<TOptions>() =>
        typeof(TOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name))
            .ToHashSet(StringComparer.Ordinal);
}
