using System.Text.Json;

namespace GenPipe.Core.Pipelines;

/// <summary>
/// Where each value and property name of a JSON file starts (1-based line and column), by JSON path. Built with a
/// <see cref="Utf8JsonReader"/> pass over the file's bytes, so diagnostics can point at the offending token.
/// </summary>
internal sealed class JsonSourceMap
{
    private readonly Dictionary<string, SourcePosition> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SourcePosition> _keys = new(StringComparer.Ordinal);
    private readonly List<(string Path, SourcePosition Position)> _duplicateKeys = [];

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
    /// error when the JSON is malformed.
    /// </summary>
    public static JsonSourceMap Build(ReadOnlySpan<byte> utf8)
    {
        var lines = new LineIndex(utf8);
        var map = new JsonSourceMap();
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        var frames = new Stack<Frame>();
        string? pendingProperty = null;
        try
        {
            while (reader.Read())
            {
                var position = lines.PositionOf(utf8, (int)reader.TokenStartIndex);
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    var frame = frames.Peek();
                    pendingProperty = JsonPathText.Property(frame.Path, reader.GetString()!);
                    if (!frame.Keys!.Add(pendingProperty))
                    {
                        map._duplicateKeys.Add((pendingProperty, position));
                    }
                    else
                    {
                        map._keys[pendingProperty] = position;
                    }

                    continue;
                }

                if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    frames.Pop();
                    continue;
                }

                string path = frames.Count == 0
                    ? JsonPathText.Root
                    : frames.Peek().Keys is null ? JsonPathText.Index(frames.Peek().Path, frames.Peek().NextIndex++) : pendingProperty!;
                map._values.TryAdd(path, position);
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    frames.Push(new Frame(path, new HashSet<string>(StringComparer.Ordinal)));
                }
                else if (reader.TokenType == JsonTokenType.StartArray)
                {
                    frames.Push(new Frame(path, null));
                }
            }
        }
        catch (JsonException ex)
        {
            int line = (int)(ex.LineNumber ?? 0) + 1;
            int column = lines.ColumnOf(utf8, line, (int)(ex.BytePositionInLine ?? 0));
            throw new JsonSourceException(CleanReaderMessage(ex.Message), new SourcePosition(line, column), ex);
        }

        return map;
    }

    /// <summary>Where the value at <paramref name="path"/> starts, or the nearest enclosing value that has a position.</summary>
    public SourcePosition ValueAt(string path)
    {
        for (string? p = path; p is not null; p = JsonPathText.Parent(p))
        {
            if (_values.TryGetValue(p, out var position))
            {
                return position;
            }
        }

        return SourcePosition.None;
    }

    /// <summary>Where the property name of <paramref name="path"/> starts, falling back to <see cref="ValueAt"/>.</summary>
    public SourcePosition KeyAt(string path) => _keys.TryGetValue(path, out var position) ? position : ValueAt(path);

    // The reader's messages end with "LineNumber: 3 | BytePositionInLine: 7."; the diagnostic carries that already.
    private static string CleanReaderMessage(string message)
    {
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        string text = cut > 0 ? message[..cut] : message;
        return text.TrimEnd(' ', '.');
    }

    private sealed class Frame(string path, HashSet<string>? keys)
    {
        public string Path { get; } = path;

        public HashSet<string>? Keys { get; } = keys;

        public int NextIndex { get; set; }
    }

    /// <summary>Byte offsets of line starts, to turn a byte offset into a 1-based line and character column.</summary>
    private sealed class LineIndex
    {
        private readonly List<int> _starts = [0];

        public LineIndex(ReadOnlySpan<byte> utf8)
        {
            for (int i = 0; i < utf8.Length; i++)
            {
                if (utf8[i] == (byte)'\n')
                {
                    _starts.Add(i + 1);
                }
            }
        }

        public SourcePosition PositionOf(ReadOnlySpan<byte> utf8, int offset)
        {
            int index = _starts.BinarySearch(offset);
            int line = index >= 0 ? index : ~index - 1;
            return new SourcePosition(line + 1, CharColumn(utf8, _starts[line], offset));
        }

        public int ColumnOf(ReadOnlySpan<byte> utf8, int line, int byteInLine)
        {
            if (line - 1 >= _starts.Count)
            {
                return byteInLine + 1;
            }

            int start = _starts[line - 1];
            return CharColumn(utf8, start, Math.Min(utf8.Length, start + byteInLine));
        }

        // Columns count characters, not bytes: UTF-8 continuation bytes (10xxxxxx) do not start a character.
        private static int CharColumn(ReadOnlySpan<byte> utf8, int lineStart, int offset)
        {
            int column = 1;
            for (int i = lineStart; i < offset && i < utf8.Length; i++)
            {
                if ((utf8[i] & 0xC0) != 0x80)
                {
                    column++;
                }
            }

            return column;
        }
    }
}
