using System.Text.Json;

namespace GenPipe.Core.Pipelines;

/// <summary>
/// Where each value and property name of a JSON file starts (1-based line and column). Built with one
/// <see cref="Utf8JsonReader"/> pass over the file's bytes, so diagnostics can point at the offending token.
/// </summary>
/// <remarks>
/// The cost is linear in the file's size: positions come from a cursor that moves forward over each byte once (a
/// file with every value on one line costs what a file with one value per line does), and the map is a tree of the
/// document's containers (a dictionary per object, a list per array) rather than a path string per value, so an array
/// of a million numbers costs a million positions and nothing else. Paths are resolved when a diagnostic asks.
/// </remarks>
internal sealed class JsonSourceMap
{
    // How many tokens are read between two looks at the cancellation token.
    private const int CancellationStride = 16384;

    private readonly List<(string Path, SourcePosition Position)> _duplicateKeys = [];
    private SourcePosition _rootPosition = SourcePosition.None;
    private Container? _root;

    private JsonSourceMap()
    {
    }

    /// <summary>Property names that appear twice in one object (the later occurrence).</summary>
    public IReadOnlyList<(string Path, SourcePosition Position)> DuplicateKeys => _duplicateKeys;

    /// <summary>The reader options pipelines are parsed with: comments and trailing commas are allowed.</summary>
    public static JsonReaderOptions ReaderOptions { get; } = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>
    /// Maps <paramref name="utf8"/>. Throws <see cref="JsonSourceException"/> with the position of the first syntax
    /// error when the JSON is malformed, and <see cref="OperationCanceledException"/> when cancelled.
    /// </summary>
    public static JsonSourceMap Build(ReadOnlySpan<byte> utf8, CancellationToken cancellationToken = default)
    {
        var map = new JsonSourceMap();
        var cursor = new Cursor();
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        var open = new Stack<Container>();
        string? pendingName = null;
        var pendingKey = SourcePosition.None;
        int untilCheck = CancellationStride;
        try
        {
            while (reader.Read())
            {
                if (--untilCheck == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    untilCheck = CancellationStride;
                }

                var position = cursor.AdvanceTo(utf8, (int)reader.TokenStartIndex);
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        pendingName = reader.GetString()!;
                        pendingKey = position;
                        continue;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        open.Pop();
                        continue;
                }

                Container? child = reader.TokenType switch
                {
                    JsonTokenType.StartObject => new Container(isObject: true),
                    JsonTokenType.StartArray => new Container(isObject: false),
                    _ => null,
                };

                if (open.Count == 0)
                {
                    map._rootPosition = position;
                    map._root = child;
                }
                else if (open.Peek() is { IsObject: true } parent)
                {
                    var members = parent.Members!;
                    if (!members.TryAdd(pendingName!, new Member(pendingKey, position, child)))
                    {
                        map._duplicateKeys.Add((JsonPathText.Property(parent.PathText(), pendingName!), pendingKey));
                    }

                    child?.SetParent(parent, pendingName, 0);
                }
                else
                {
                    var items = open.Peek().Items!;
                    child?.SetParent(open.Peek(), null, items.Count);
                    items.Add(new Item(position, child));
                }

                if (child is not null)
                {
                    open.Push(child);
                }
            }
        }
        catch (JsonException ex)
        {
            int line = (int)(ex.LineNumber ?? 0) + 1;
            int column = ColumnOf(utf8, line, (int)(ex.BytePositionInLine ?? 0));
            throw new JsonSourceException(CleanReaderMessage(ex.Message), new SourcePosition(line, column), ex);
        }

        return map;
    }

    /// <summary>Where the value at <paramref name="path"/> starts, or the nearest enclosing value that has a position.</summary>
    public SourcePosition ValueAt(string path)
    {
        var position = _rootPosition;
        var container = _root;
        var segments = new PathSegments(path);
        while (container is not null && segments.Next(out string? name, out int index))
        {
            if (!TryChild(container, name, index, out var member))
            {
                break;
            }

            position = member.Value;
            container = member.Child;
        }

        return position;
    }

    /// <summary>Where the property name of <paramref name="path"/> starts, falling back to <see cref="ValueAt"/>.</summary>
    public SourcePosition KeyAt(string path)
    {
        var container = _root;
        var segments = new PathSegments(path);
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

        return found && lastName is not null ? member.Key : ValueAt(path);
    }

    private static bool TryChild(Container container, string? name, int index, out Member member)
    {
        member = default;
        if (name is not null)
        {
            return container.Members is { } members && members.TryGetValue(name, out member);
        }

        if (container.Items is not { } items || index < 0 || index >= items.Count)
        {
            return false;
        }

        member = new Member(SourcePosition.None, items[index].Position, items[index].Child);
        return true;
    }

    // The reader's messages end with "LineNumber: 3 | BytePositionInLine: 7."; the diagnostic carries that already.
    private static string CleanReaderMessage(string message)
    {
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        string text = cut > 0 ? message[..cut] : message;
        return text.TrimEnd(' ', '.');
    }

    // The character column of a byte position within a 1-based line (only for the one syntax error there can be).
    private static int ColumnOf(ReadOnlySpan<byte> utf8, int line, int byteInLine)
    {
        int start = 0;
        for (int current = 1; current < line; current++)
        {
            int newline = utf8[start..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                return byteInLine + 1;
            }

            start += newline + 1;
        }

        var cursor = new Cursor();
        cursor.AdvanceTo(utf8, start);
        return cursor.AdvanceTo(utf8, Math.Min(utf8.Length, start + byteInLine)).Column;
    }

    private readonly record struct Member(SourcePosition Key, SourcePosition Value, Container? Child);

    private readonly record struct Item(SourcePosition Position, Container? Child);

    /// <summary>An object or array of the document: its members or items (its own position is its parent's).</summary>
    private sealed class Container(bool isObject)
    {
        private Container? _parent;
        private string? _name;
        private int _index;

        public bool IsObject => Members is not null;

        public Dictionary<string, Member>? Members { get; } = isObject ? new(StringComparer.Ordinal) : null;

        public List<Item>? Items { get; } = isObject ? null : [];

        public void SetParent(Container parent, string? name, int index)
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

    /// <summary>
    /// The line and column of an offset, moved forward token by token: each byte is looked at once.
    /// </summary>
    private struct Cursor()
    {
        private int _offset;
        private int _line = 1;
        private int _column = 1;

        public SourcePosition AdvanceTo(ReadOnlySpan<byte> utf8, int offset)
        {
            for (int i = _offset; i < offset; i++)
            {
                byte b = utf8[i];
                if (b == (byte)'\n')
                {
                    _line++;
                    _column = 1;
                }
                else if ((b & 0xC0) != 0x80)
                {
                    // Columns count characters, not bytes: UTF-8 continuation bytes (10xxxxxx) do not start one.
                    _column++;
                }
            }

            _offset = Math.Max(_offset, offset);
            return new SourcePosition(_line, _column);
        }
    }

    /// <summary>
    /// Splits a path written by <see cref="JsonPathText"/> (<c>$.steps[1].in['odd.key']</c>) into property names and
    /// indices. Stops at anything it does not recognise, so the caller falls back to the enclosing value.
    /// </summary>
    private ref struct PathSegments(string path)
    {
        private int _at = path.StartsWith(JsonPathText.Root, StringComparison.Ordinal) ? JsonPathText.Root.Length : path.Length;

        public bool Next(out string? name, out int index)
        {
            name = null;
            index = -1;
            if (_at >= path.Length)
            {
                return false;
            }

            if (path[_at] == '.')
            {
                int start = _at + 1;
                int end = start;
                while (end < path.Length && path[end] is not '.' and not '[')
                {
                    end++;
                }

                name = path[start..end];
                _at = end;
                return name.Length > 0;
            }

            if (path[_at] != '[' || _at + 1 >= path.Length)
            {
                _at = path.Length;
                return false;
            }

            if (path[_at + 1] == '\'')
            {
                // ['name'] with \' for a quote inside the name.
                var text = new System.Text.StringBuilder();
                int i = _at + 2;
                for (; i < path.Length; i++)
                {
                    if (path[i] == '\\' && i + 1 < path.Length && path[i + 1] == '\'')
                    {
                        text.Append('\'');
                        i++;
                    }
                    else if (path[i] == '\'' && i + 1 < path.Length && path[i + 1] == ']')
                    {
                        break;
                    }
                    else
                    {
                        text.Append(path[i]);
                    }
                }

                if (i >= path.Length)
                {
                    _at = path.Length;
                    return false;
                }

                name = text.ToString();
                _at = i + 2;
                return true;
            }

            int close = path.IndexOf(']', _at);
            if (close < 0 || !int.TryParse(path.AsSpan(_at + 1, close - _at - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out index))
            {
                _at = path.Length;
                return false;
            }

            _at = close + 1;
            return true;
        }
    }
}
