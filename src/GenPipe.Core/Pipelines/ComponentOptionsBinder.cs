using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using GenPipe.Abstractions.Components;
using GenPipe.Core.Text;

namespace GenPipe.Core.Pipelines;

/// <summary>
/// Binds a component's <c>options</c> object to its options type with snake_case keys, reporting unknown keys (with
/// suggestions), mistyped values and the options' own validation problems, each at its JSON path.
/// </summary>
internal static class ComponentOptionsBinder
{
    /// <summary>How options (and array-typed literals) are read: snake_case keys, enums as snake_case strings, strict numbers.</summary>
    public static JsonSerializerOptions SerializerOptions { get; } = CreateSerializerOptions();

    /// <summary>
    /// The bound options, or null when they have errors (reported to <paramref name="diagnostics"/>).
    /// <paramref name="canonicalJson"/> computes the bound object serialized, the options' identity (only when asked).
    /// <paramref name="longArrays"/> are the options' long arrays, blank in <paramref name="options"/>: each blank still
    /// in its place binds from its recorded numbers, and they are put back (<see cref="LongOptionArrays.RestoreNodes"/>)
    /// when the nodes must be read whole: to report a problem, drop an ignored key, or bind an array not all numbers.
    /// </summary>
    public static object? Bind(JsonObject? options, LongOptionArrays? longArrays, ComponentDescriptor descriptor, string optionsPath, DiagnosticBag diagnostics, out Func<string> canonicalJson)
    {
        canonicalJson = static () => "{}";
        var known = KnownKeys(descriptor.OptionsType);
        bool failed = false;
        bool ignored = false;
        foreach (var (key, _) in options ?? [])
        {
            if (known.ContainsKey(key))
            {
                continue;
            }

            string keyPath = JsonPathText.Property(optionsPath, key);
            string? suggestion = NameSuggester.Suggest(key, known.Keys);
            string list = known.Count == 0 ? $"{descriptor.Id} takes no options" : $"{descriptor.Id} accepts: {string.Join(", ", known.Keys)}";
            if (descriptor.IgnoresUnknownOptions)
            {
                diagnostics.KeyWarning(keyPath, $"option '{key}' is not used by {descriptor.Id} and is ignored", suggestion);
                ignored = true;
            }
            else
            {
                diagnostics.KeyError(keyPath, $"unknown option '{key}' ({list})", suggestion);
                failed = true;
            }
        }

        if (failed || ignored)
        {
            longArrays?.RestoreNodes();
        }

        if (failed)
        {
            // Mistyped values are reported too, so every problem is listed at once.
            ReportMistypedValues(options, known, optionsPath, diagnostics);
            return null;
        }

        // One deserialization of the whole object (options can hold arrays of millions of numbers); only when it fails
        // is each value read on its own, to say which one is wrong.
        var accepted = options ?? [];
        if (ignored)
        {
            accepted = [];
            foreach (var (key, value) in options!)
            {
                if (known.ContainsKey(key))
                {
                    accepted[key] = value?.DeepClone();
                }
            }
        }

        object bound;
        try
        {
            var converted = ConvertLongArrays(longArrays, accepted, known);
            bound = accepted.Deserialize(descriptor.OptionsType, SerializerOptions) ?? throw new JsonException("the options deserialized to null");
            foreach (var (property, value) in converted)
            {
                property.SetValue(bound, value);
            }
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException or FormatException)
        {
            longArrays?.RestoreNodes();
            if (!ReportMistypedValues(accepted, known, optionsPath, diagnostics))
            {
                diagnostics.Error(optionsPath, $"the options of {descriptor.Id} could not be read: {ex.Message}");
            }

            return null;
        }

        var outside = OptionDomains.Check(bound, accepted.Select(pair => pair.Key)).ToArray();
        foreach (var problem in outside)
        {
            diagnostics.Error(ProblemPath(optionsPath, problem.Key), $"option '{problem.Key}' {problem.Message}");
        }

        if (outside.Length > 0)
        {
            return null;
        }

        if (bound is IValidatableOptions validatable)
        {
            OptionProblem[] problems;
            try
            {
                problems = validatable.Validate().ToArray();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A validator that throws is a plugin bug; report it where the options are rather than crash.
                problems = [new OptionProblem("", $"the options of {descriptor.Id} could not be validated: {ex.Message}")];
            }

            foreach (var problem in problems)
            {
                diagnostics.Error(ProblemPath(optionsPath, problem.Key), problem.Message);
            }

            if (problems.Length > 0)
            {
                return null;
            }
        }

        canonicalJson = () => Canonicalize(bound, descriptor.OptionsType, accepted, longArrays);
        return bound;
    }

    // The value of each long array still blank in the options, from its recorded numbers. When one cannot be
    // converted (not all numbers, an element type without a fast path), every array is put back and binds as a node.
    private static List<(PropertyInfo Property, object? Value)> ConvertLongArrays(LongOptionArrays? longArrays, JsonObject options, IReadOnlyDictionary<string, PropertyInfo> known)
    {
        var converted = new List<(PropertyInfo Property, object? Value)>();
        foreach (var array in longArrays?.Arrays ?? [])
        {
            if (!options.TryGetPropertyValue(array.Key, out var node) || !ReferenceEquals(node, array.Blank))
            {
                continue; // replaced by an override, or already put back
            }

            if (!known.TryGetValue(array.Key, out var property) || array.Numbers is null
                || !array.Numbers.TryConvert(array.File.Span, property.PropertyType, out object? value))
            {
                longArrays!.RestoreNodes();
                return [];
            }

            converted.Add((property, value));
        }

        return converted;
    }

    private static string ProblemPath(string optionsPath, string key) =>
        key.Length == 0 ? optionsPath : key.StartsWith('[') ? optionsPath + key : optionsPath + "." + key;

    // Reads each known key on its own and reports the values of the wrong type; true when there was one.
    private static bool ReportMistypedValues(JsonObject? options, IReadOnlyDictionary<string, PropertyInfo> known, string optionsPath, DiagnosticBag diagnostics)
    {
        bool reported = false;
        foreach (var (key, value) in options ?? [])
        {
            if (!known.TryGetValue(key, out var property))
            {
                continue;
            }

            try
            {
                _ = value.Deserialize(property.PropertyType, SerializerOptions);
            }
            catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or FormatException)
            {
                string where = ex is JsonException { Path: { Length: > 1 } inner } ? $" (at {key}{inner.TrimStart('$')})" : "";
                diagnostics.Error(JsonPathText.Property(optionsPath, key), $"option '{key}': expected {ValueTypes.Expectation(property.PropertyType)}, got {ValueTypes.Describe(value)}{where}");
                reported = true;
            }
        }

        return reported;
    }

    /// <summary>The JSON keys an options type accepts, with their properties.</summary>
    public static IReadOnlyDictionary<string, PropertyInfo> KnownKeys(Type optionsType)
    {
        var keys = new Dictionary<string, PropertyInfo>(StringComparer.Ordinal);
        foreach (var property in optionsType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0 ||
                property.GetCustomAttribute<JsonIgnoreAttribute>() is not null)
            {
                continue;
            }

            string name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
                ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);
            keys[name] = property;
        }

        return keys;
    }

    // Options up to this size are identified by their canonical JSON itself; larger ones by its SHA-256, so an
    // identity never copies megabytes of numbers around.
    private const int CanonicalTextLimit = 4096;

    private static string Canonicalize(object bound, Type optionsType, JsonObject accepted, LongOptionArrays? longArrays)
    {
        byte[] utf8;
        try
        {
            utf8 = JsonSerializer.SerializeToUtf8Bytes(bound, optionsType, SerializerOptions);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            // Options that cannot be written back are identified by what the pipeline wrote.
            longArrays?.RestoreNodes();
            utf8 = Encoding.UTF8.GetBytes(accepted.ToJsonString());
        }

        return utf8.Length <= CanonicalTextLimit ? Encoding.UTF8.GetString(utf8) : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(utf8));
    }

    private static JsonSerializerOptions CreateSerializerOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            // Named literals only for values like s_tmax = +inf (diffusers defaults); quoted numbers stay errors.
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
            // Options bind from the pipeline file's own bytes, which may hold what its parser accepts.
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            WriteIndented = false,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>
/// The long arrays of one component's options, blank in its nodes (<see cref="PipelineDocument"/>), and how to put them
/// back.
/// </summary>
internal sealed record LongOptionArrays(IReadOnlyList<LongArray> Arrays, Action RestoreNodes);

/// <summary>A long option array: its key, its blank node, and where its numbers are in <paramref name="File"/>.</summary>
internal sealed record LongArray(string Key, JsonArray Blank, NumberLayout? Numbers, ReadOnlyMemory<byte> File);
