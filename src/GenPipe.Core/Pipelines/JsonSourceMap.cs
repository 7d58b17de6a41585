using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text.Json;

namespace GenPipe.Core.Pipelines;

/// <summary>
/// Where each value and property name of a JSON file starts, as a 1-based line and column, so diagnostics can point at
/// the offending token. Built and read by one compile on one thread.
/// </summary>
/// <remarks>
/// Built for files of tens of megabytes, most of it long arrays of numbers, where nearly every load needs no position
/// at all. One forward pass records the objects (each member's key and value offsets, duplicates noted); an array
/// records only where it starts, and lists its items the first time a path goes into it, by reading that array alone.
/// Offsets become lines and columns only when a diagnostic asks: a vectorized scan finds the line starts once, and a
/// column counts the characters between its line's start and the offset. Every step is linear in the bytes it reads.
/// The pass also checks the syntax (it is the one full read of the file: the parsed document can then skip the long
/// arrays of options, see <see cref="PipelineDocument"/>), and records where each object and array ends.
/// </remarks>
internal sealed class JsonSourceMap
{
    // How many tokens are read between two looks at the cancellation token.
    private const int CancellationStride = 16384;

    private readonly ReadOnlyMemory<byte> _utf8;
    private readonly List<(string Path, SourcePosition Position)> _duplicateKeys = [];
    private Container? _root;
    private int _rootOffset;
    private int[]? _lineStarts;

    private JsonSourceMap(ReadOnlyMemory<byte> utf8)
    {
        _utf8 = utf8;
    }

    /// <summary>The reader options pipelines are parsed with: comments and trailing commas are allowed.</summary>
    public static JsonReaderOptions ReaderOptions { get; } = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>
    /// Maps <paramref name="utf8"/>, checking its syntax on the way: malformed JSON throws <see cref="JsonException"/>
    /// (with the reader's line and byte position), cancellation <see cref="OperationCanceledException"/>.
    /// </summary>
    public static JsonSourceMap Build(ReadOnlyMemory<byte> utf8, CancellationToken cancellationToken = default)
    {
        var map = new JsonSourceMap(utf8);
        map._root = map.ReadRoot(cancellationToken);
        return map;
    }

    /// <summary>The line and column of a byte offset of <paramref name="utf8"/>, valid JSON or not.</summary>
    public static SourcePosition PositionIn(ReadOnlyMemory<byte> utf8, int offset) => new JsonSourceMap(utf8).PositionOf(offset);

    /// <summary>
    /// Every property name that appears twice in one object (the later occurrence), with its path. Reads every array
    /// of the file, so it is meant for the rare file that has one (the parser refuses duplicates but cannot say where).
    /// </summary>
    public IReadOnlyList<(string Path, SourcePosition Position)> FindDuplicateKeys()
    {
        if (_root is { } root)
        {
            ListEveryArray(root);
        }

        return _duplicateKeys;
    }

    /// <summary>The byte range of the object or array at <paramref name="path"/>, when there is one.</summary>
    public bool TryGetContainerRange(string path, out int start, out int end)
    {
        var container = ContainerAt(path);
        start = container?.Offset ?? 0;
        end = container?.End ?? 0;
        return container is not null;
    }

    /// <summary>
    /// The members of the object at <paramref name="path"/> whose values are objects or arrays: name, path, the byte
    /// range of the value, whether it is an array, and for arrays whether an object is inside. Empty when there is no
    /// such object.
    /// </summary>
    public IEnumerable<ContainerMember> ContainersIn(string path)
    {
        var container = ContainerAt(path);
        if (container?.Members is not { } members)
        {
            yield break;
        }

        foreach (var (name, member) in members)
        {
            if (member.Child is { } child)
            {
                yield return new ContainerMember(name, JsonPathText.Property(path, name), child.Offset, child.End, child.Members is null, child.HoldsObjects, child.Numbers);
            }
        }
    }

    /// <summary>Where the value at <paramref name="path"/> starts, or the nearest enclosing value that has a position.</summary>
    public SourcePosition ValueAt(string path)
    {
        var root = _root;
        int offset = _rootOffset;
        var container = root;
        var segments = new JsonPathSegments(path);
        while (container is not null && segments.Next(out string? name, out int index))
        {
            if (!TryChild(container, name, index, out var member))
            {
                break;
            }

            offset = member.Value;
            container = member.Child;
        }

        return PositionOf(offset);
    }

    /// <summary>Where the property name of <paramref name="path"/> starts, falling back to <see cref="ValueAt"/>.</summary>
    public SourcePosition KeyAt(string path)
    {
        var container = _root;
        var segments = new JsonPathSegments(path);
        Member member = default;
        bool found = false;
        string? lastName = null;
        while (segments.Next(out string? name, out int index))
        {
            if (container is null || !TryChild(container, name, index, out member))
            {
                return ValueAt(path);
            }

            found = true;
            lastName = name;
            container = member.Child;
        }

        return found && lastName is not null ? PositionOf(member.Key) : ValueAt(path);
    }

    /// <summary>The line and column of a byte offset (the column counts characters, not bytes).</summary>
    public SourcePosition PositionOf(int offset)
    {
        if (offset < 0)
        {
            return SourcePosition.None;
        }

        var lineStarts = LineStarts();
        int line = Array.BinarySearch(lineStarts, offset);
        line = line >= 0 ? line : ~line - 1;
        int start = lineStarts[line];
        return new SourcePosition(line + 1, 1 + CharactersIn(_utf8.Span[start..Math.Min(offset, _utf8.Length)]));
    }

    private Container? ReadRoot(CancellationToken cancellationToken)
    {
        var reader = new Utf8JsonReader(_utf8.Span, ReaderOptions);
        if (_utf8.IsEmpty || !reader.Read())
        {
            _rootOffset = -1;
            return null;
        }

        _rootOffset = (int)reader.TokenStartIndex;
        var budget = new TokenBudget(cancellationToken);
        Container? root = reader.TokenType switch
        {
            JsonTokenType.StartObject => ReadObject(ref reader, 0, parent: null, name: null, index: 0, ref budget),
            JsonTokenType.StartArray => ReadArray(ref reader, 0, parent: null, name: null, index: 0, recordNumbers: false, ref budget),
            _ => null,
        };

        // Anything after the root value (a second value, a stray bracket) is a syntax error too.
        while (reader.Read())
        {
        }

        return root;
    }

    // Reads the object the reader stands on (its StartObject) through its EndObject, recording members; nested objects
    // are read the same way, nested arrays are skipped and listed later if a path goes into them.
    private Container ReadObject(ref Utf8JsonReader reader, int baseOffset, Container? parent, string? name, int index, ref TokenBudget budget)
    {
        var container = new Container(baseOffset + (int)reader.TokenStartIndex, isObject: true);
        container.SetParent(parent, name, index);
        var members = container.Members!;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            budget.Spend();
            string key = reader.GetString()!;
            int keyOffset = baseOffset + (int)reader.TokenStartIndex;
            reader.Read();
            int valueOffset = baseOffset + (int)reader.TokenStartIndex;
            Container? child = null;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                child = ReadObject(ref reader, baseOffset, container, key, 0, ref budget);
            }
            else if (reader.TokenType == JsonTokenType.StartArray)
            {
                child = ReadArray(ref reader, baseOffset, container, key, 0, container.IsComponentOptions, ref budget);
            }

            if (!members.TryAdd(key, new Member(keyOffset, valueOffset, child)))
            {
                _duplicateKeys.Add((JsonPathText.Property(container.PathText(), key), PositionOf(keyOffset)));
            }
        }

        container.End = baseOffset + (int)reader.BytesConsumed;
        return container;
    }

    // Reads over the array the reader stands on (its StartArray) through its EndArray without recording its items;
    // notes whether an object is anywhere inside and, for a component's option, where its numbers are.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Container ReadArray(ref Utf8JsonReader reader, int baseOffset, Container? parent, string? name, int index, bool recordNumbers, ref TokenBudget budget)
    {
        var array = new Container(baseOffset + (int)reader.TokenStartIndex, isObject: false);
        array.SetParent(parent, name, index);
        int depth = reader.CurrentDepth;
        bool objects = false;
        var numbers = recordNumbers ? new NumberLayout.Builder() : null;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            budget.Spend();
            var type = reader.TokenType;
            objects |= type == JsonTokenType.StartObject;
            numbers?.Add(type, reader.CurrentDepth - depth, baseOffset + (int)reader.TokenStartIndex);
        }

        array.End = baseOffset + (int)reader.BytesConsumed;
        array.HoldsObjects = objects;
        array.Numbers = numbers?.Build();
        return array;
    }

    // The items of an array, read from its bytes the first time a path goes into it.
    private List<Item> ItemsOf(Container array)
    {
        if (array.Items is { } listed)
        {
            return listed;
        }

        var items = new List<Item>();
        var reader = new Utf8JsonReader(_utf8.Span[array.Offset..], ReaderOptions);
        var budget = new TokenBudget(CancellationToken.None);
        reader.Read();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            int offset = array.Offset + (int)reader.TokenStartIndex;
            Container? child = null;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                child = ReadObject(ref reader, array.Offset, array, null, items.Count, ref budget);
            }
            else if (reader.TokenType == JsonTokenType.StartArray)
            {
                child = ReadArray(ref reader, array.Offset, array, null, items.Count, recordNumbers: false, ref budget);
            }

            items.Add(new Item(offset, child));
        }

        array.Items = items;
        return items;
    }

    private void ListEveryArray(Container container)
    {
        var children = container.Members is { } members ? members.Values.Select(m => m.Child) : ItemsOf(container).Select(i => i.Child);
        foreach (var child in children)
        {
            if (child is not null)
            {
                ListEveryArray(child);
            }
        }
    }

    private Container? ContainerAt(string path)
    {
        var container = _root;
        var segments = new JsonPathSegments(path);
        while (container is not null && segments.Next(out string? name, out int index))
        {
            container = TryChild(container, name, index, out var member) ? member.Child : null;
        }

        return container;
    }

    private bool TryChild(Container container, string? name, int index, out Member member)
    {
        member = default;
        if (name is not null)
        {
            return container.Members is { } members && members.TryGetValue(name, out member);
        }

        if (container.Members is not null)
        {
            return false;
        }

        var items = ItemsOf(container);
        if (index < 0 || index >= items.Count)
        {
            return false;
        }

        member = new Member(-1, items[index].Offset, items[index].Child);
        return true;
    }

    private int[] LineStarts()
    {
        if (_lineStarts is { } known)
        {
            return known;
        }

        var starts = new List<int> { 0 };
        var span = _utf8.Span;
        int at = 0;
        while (at < span.Length)
        {
            int newline = span[at..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                break;
            }

            at += newline + 1;
            starts.Add(at);
        }

        return _lineStarts = [.. starts];
    }

    // Characters in UTF-8 text: every byte that is not a continuation byte (10xxxxxx, below -64 as a signed byte).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int CharactersIn(ReadOnlySpan<byte> utf8)
    {
        int continuation = 0;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var limit = Vector256.Create((sbyte)-64);
            for (; i + Vector256<sbyte>.Count <= utf8.Length; i += Vector256<sbyte>.Count)
            {
                var bytes = Vector256.Create(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(utf8.Slice(i, Vector256<sbyte>.Count)));
                continuation += System.Numerics.BitOperations.PopCount(Vector256.LessThan(bytes, limit).ExtractMostSignificantBits());
            }
        }

        for (; i < utf8.Length; i++)
        {
            if ((utf8[i] & 0xC0) == 0x80)
            {
                continuation++;
            }
        }

        return utf8.Length - continuation;
    }

    private readonly record struct Member(int Key, int Value, Container? Child);

    private readonly record struct Item(int Offset, Container? Child);

    // Counts tokens between two looks at the cancellation token.
    private struct TokenBudget(CancellationToken cancellationToken)
    {
        private int _untilCheck = CancellationStride;

        public void Spend()
        {
            if (--_untilCheck == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _untilCheck = CancellationStride;
            }
        }
    }

    /// <summary>An object (members recorded) or array (items listed on demand) of the document, at its byte offset.</summary>
    private sealed class Container(int offset, bool isObject)
    {
        private Container? _parent;
        private string? _name;
        private int _index;

        public int Offset { get; } = offset;

        public Dictionary<string, Member>? Members { get; } = isObject ? new(StringComparer.Ordinal) : null;

        public List<Item>? Items { get; set; }

        /// <summary>The offset just after the closing brace or bracket.</summary>
        public int End { get; set; }

        /// <summary>For an array: whether an object is anywhere inside it.</summary>
        public bool HoldsObjects { get; set; }

        /// <summary>For an array of a component's options: where its numbers are, when it holds only numbers.</summary>
        public NumberLayout? Numbers { get; set; }

        /// <summary>Whether this is <c>$.components.NAME.options</c>.</summary>
        public bool IsComponentOptions =>
            _name == "options" && _parent is { _name: not null, _parent: { _name: "components", _parent: { _parent: null } } };

        public void SetParent(Container? parent, string? name, int index)
        {
            _parent = parent;
            _name = name;
            _index = index;
        }

        /// <summary>The JSON path of this container, built only when a diagnostic needs it.</summary>
        public string PathText() =>
            _parent is null ? JsonPathText.Root
            : _name is not null ? JsonPathText.Property(_parent.PathText(), _name)
            : JsonPathText.Index(_parent.PathText(), _index);
    }
}

/// <summary>An object's member whose value is an object or array, as <see cref="JsonSourceMap.ContainersIn"/> lists it.</summary>
internal readonly record struct ContainerMember(string Name, string Path, int Start, int End, bool IsArray, bool HoldsObjects, NumberLayout? Numbers);
