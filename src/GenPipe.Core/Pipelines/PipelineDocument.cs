using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GenPipe.Core.Pipelines;

/// <summary>
/// A pipeline file read once, fast even at tens of megabytes: its source map (syntax checked, positions for
/// diagnostics) and the node tree the compiler reads and <c>--set</c> edits, with long option arrays kept out of it.
/// </summary>
/// <remarks>
/// Large pipelines are large because of long arrays in component options (mixture means, embedding tables), and the
/// source map's pass is the only time they are tokenized. That pass checks their syntax and records where each of
/// their numbers starts (<see cref="NumberLayout"/>). The node tree is parsed from a copy of the file in which every
/// such array (at least <see cref="DeferredArrayBytes"/> long, a direct member of <c>$.components.*.options</c>, no
/// object inside) is blanked to <c>[]</c>; when the options bind, each blank still in its place is converted from its
/// recorded numbers (<see cref="LongArraysIn"/>). Wherever the nodes themselves must be read (an override
/// into the component, a config file merged in, an unknown key, a value that failed to bind, an array that is not all
/// numbers), <see cref="RestoreArrays"/> first puts the real arrays back. An array without objects cannot hold a
/// duplicate key, so the parser's duplicate check loses nothing.
/// </remarks>
internal sealed class PipelineDocument
{
    /// <summary>Arrays shorter than this stay in the node tree: deferring them would save nothing worth the detour.</summary>
    public const int DeferredArrayBytes = 4096;

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        AllowDuplicateProperties = false,
    };

    private readonly ReadOnlyMemory<byte> _utf8;
    private readonly List<DeferredArray> _deferred;

    private PipelineDocument(ReadOnlyMemory<byte> utf8, JsonSourceMap map, JsonDocument blanked, List<DeferredArray> deferred)
    {
        _utf8 = utf8;
        Map = map;
        Root = ToNode(blanked.RootElement);
        _deferred = deferred;
        foreach (var array in deferred)
        {
            array.Node = NodeAt(Root, array.Path) as JsonArray;
        }
    }

    /// <summary>The document as nodes, long option arrays blanked until <see cref="RestoreArrays"/>.</summary>
    public JsonNode? Root { get; }

    /// <summary>Positions of the file's keys and values.</summary>
    public JsonSourceMap Map { get; }

    /// <summary>
    /// Parses <paramref name="utf8"/> (without a byte order mark). Malformed JSON and duplicate keys throw
    /// <see cref="PipelineValidationException"/> naming <paramref name="sourceName"/> and the position.
    /// </summary>
    public static PipelineDocument Parse(ReadOnlyMemory<byte> utf8, string sourceName, CancellationToken cancellationToken)
    {
        JsonSourceMap map;
        try
        {
            map = JsonSourceMap.Build(utf8, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new PipelineValidationException([SyntaxError(utf8, sourceName, ex)], sourceName);
        }

        var deferred = DeferrableArrays(map);
        ReadOnlyMemory<byte> tree = utf8;
        if (deferred.Count > 0)
        {
            // The file without the arrays' contents. Its offsets differ from the file's, which is fine: positions
            // come from the map, and this text holds no syntax error (the map's pass read all of it).
            var blanked = new ArrayBufferWriter<byte>(utf8.Length - deferred.Sum(a => a.End - a.Start) + (2 * deferred.Count));
            int copied = 0;
            foreach (var array in deferred.OrderBy(a => a.Start))
            {
                blanked.Write(utf8.Span[copied..(array.Start + 1)]);
                copied = array.End - 1;
            }

            blanked.Write(utf8.Span[copied..]);
            tree = blanked.WrittenMemory;
        }

        cancellationToken.ThrowIfCancellationRequested();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(tree, DocumentOptions);
        }
        catch (JsonException ex)
        {
            // The map has checked the syntax, so this is a repeated key, which the parser refuses without saying where.
            throw new PipelineValidationException(DuplicateKeyErrors(map, sourceName, ex), sourceName);
        }

        return new PipelineDocument(utf8, map, document, deferred);
    }

    /// <summary>
    /// The long arrays blanked in the options object at <paramref name="optionsPath"/>, each with its blank node and
    /// recorded numbers, and how to put them back; null when there are none.
    /// </summary>
    public LongOptionArrays? LongArraysIn(string optionsPath)
    {
        var arrays = _deferred.Where(a => a.Node is not null && JsonPathText.Parent(a.Path) == optionsPath)
            .Select(a => new LongArray(a.Name, a.Node!, a.Numbers, _utf8))
            .ToArray();
        return arrays.Length == 0 ? null : new LongOptionArrays(arrays, () => RestoreArrays(optionsPath));
    }

    /// <summary>
    /// Puts the real arrays back into the node tree wherever they were blanked inside <paramref name="path"/> (or
    /// above it), so the nodes there can be read. Arrays an override already replaced are left alone.
    /// </summary>
    public void RestoreArrays(string path)
    {
        foreach (var array in _deferred)
        {
            if (array.Node is not { } blank || !(JsonPathText.IsWithin(array.Path, path) || JsonPathText.IsWithin(path, array.Path)))
            {
                continue;
            }

            array.Node = null;
            if (blank.Parent is JsonObject parent && ReferenceEquals(blank.Root, Root) && blank.Count == 0)
            {
                parent[array.Name] = JsonNode.Parse(_utf8.Span[array.Start..array.End], documentOptions: DocumentOptions);
            }
        }
    }

    /// <summary>
    /// Restores the arrays an override reaches into (<c>--set components.NAME.options.KEY.0=...</c>). An override that
    /// replaces an array or an object above it leaves the blank detached (it is then never converted), and one beside
    /// them, such as another option of the same component, leaves them deferred.
    /// </summary>
    public void RestoreArraysForOverrides(IEnumerable<string> overrides)
    {
        foreach (string text in overrides)
        {
            string path = PipelineOverrides.PathSegments(text).Aggregate(JsonPathText.Root, JsonPathText.Property);
            foreach (var array in _deferred)
            {
                if (path != array.Path && JsonPathText.IsWithin(path, array.Path))
                {
                    RestoreArrays(array.Path);
                }
            }
        }
    }

    // Long arrays without objects, direct members of a component's options object.
    private static List<DeferredArray> DeferrableArrays(JsonSourceMap map)
    {
        var deferred = new List<DeferredArray>();
        foreach (var component in map.ContainersIn("$.components"))
        {
            foreach (var option in map.ContainersIn(JsonPathText.Property(component.Path, "options")))
            {
                if (option.IsArray && !option.HoldsObjects && option.End - option.Start >= DeferredArrayBytes)
                {
                    deferred.Add(new DeferredArray(option.Name, option.Path, option.Start, option.End, option.Numbers));
                }
            }
        }

        return deferred;
    }

    private static JsonNode? NodeAt(JsonNode? root, string path)
    {
        var node = root;
        var segments = new JsonPathSegments(path);
        while (node is not null && segments.Next(out string? name, out int index))
        {
            node = name is not null ? (node as JsonObject)?[name] : node is JsonArray items && index < items.Count ? items[index] : null;
        }

        return node;
    }

    private static JsonNode? ToNode(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => JsonObject.Create(element),
        JsonValueKind.Array => JsonArray.Create(element),
        JsonValueKind.Null => null,
        _ => JsonValue.Create(element),
    };

    private static PipelineDiagnostic SyntaxError(ReadOnlyMemory<byte> utf8, string sourceName, JsonException ex)
    {
        int line = (int)(ex.LineNumber ?? 0) + 1;
        var position = PositionInLine(utf8, line, (int)(ex.BytePositionInLine ?? 0));
        return new PipelineDiagnostic(PipelineDiagnosticSeverity.Error, sourceName, JsonPathText.Root, position.Line, position.Column,
            $"malformed JSON: {CleanReaderMessage(ex.Message)}; fix the syntax at this position");
    }

    private static PipelineDiagnostic[] DuplicateKeyErrors(JsonSourceMap map, string sourceName, JsonException ex)
    {
        var duplicates = map.FindDuplicateKeys();
        if (duplicates.Count == 0)
        {
            return [new PipelineDiagnostic(PipelineDiagnosticSeverity.Error, sourceName, JsonPathText.Root, 0, 0, $"the JSON could not be read: {CleanReaderMessage(ex.Message)}")];
        }

        return [.. duplicates.Select(d => new PipelineDiagnostic(PipelineDiagnosticSeverity.Error, sourceName, d.Path, d.Position.Line, d.Position.Column,
            $"the key '{d.Path[(d.Path.LastIndexOf('.') + 1)..]}' appears twice in the same object; remove one"))];
    }

    // The reader's messages end with "LineNumber: 3 | BytePositionInLine: 7."; the diagnostic carries that already.
    private static string CleanReaderMessage(string message)
    {
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        string text = cut > 0 ? message[..cut] : message;
        return text.TrimEnd(' ', '.');
    }

    // The position of a byte within a 1-based line (the reader reports bytes; columns count characters).
    private static SourcePosition PositionInLine(ReadOnlyMemory<byte> utf8, int line, int byteInLine)
    {
        var span = utf8.Span;
        int start = 0;
        for (int current = 1; current < line; current++)
        {
            int newline = span[start..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                break;
            }

            start += newline + 1;
        }

        return JsonSourceMap.PositionIn(utf8, Math.Min(span.Length, start + byteInLine));
    }

    private sealed record DeferredArray(string Name, string Path, int Start, int End, NumberLayout? Numbers)
    {
        // The blanked array in the node tree, until restored.
        public JsonArray? Node { get; set; }
    }
}
