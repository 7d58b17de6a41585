namespace GenPipe.Core.Pipelines;

/// <summary>
/// Splits a path written by <see cref="JsonPathText"/> (<c>$.steps[1].in['odd.key']</c>) into property names and
/// indices. Stops at anything it does not recognise, so the caller falls back to the enclosing value.
/// </summary>
internal ref struct JsonPathSegments(string path)
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
