using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace GenPipe.Core;

/// <summary>
/// Reads the JSON files GenPipe takes as input (pipelines, component config files, <c>genpipe.json</c>) with the
/// same guards: a size limit checked before the file is read whole (a device such as <c>/dev/zero</c> or a pipe is
/// read only up to the limit), a clear word for a folder, and UTF-8 checked with the offending byte's position.
/// </summary>
public static class InputFiles
{
    /// <summary>The largest input file GenPipe reads: 64 MiB.</summary>
    public const long MaxBytes = 64L * 1024 * 1024;

    private const int ChunkBytes = 1 << 20;

    /// <summary>
    /// The bytes of <paramref name="path"/>, without a UTF-8 byte-order mark. <paramref name="kind"/> names the file
    /// in messages ("pipeline file"). Throws <see cref="InputFileException"/> for a missing file, a folder, a file
    /// over <see cref="MaxBytes"/>, an unreadable file or bytes that are not UTF-8; and
    /// <see cref="OperationCanceledException"/> when cancelled.
    /// </summary>
    public static byte[] ReadUtf8(string path, string kind, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(kind);
        cancellationToken.ThrowIfCancellationRequested();
        if (Directory.Exists(path))
        {
            throw new InputFileException($"'{path}' is a folder, not a {kind}; name the .json file itself", path);
        }

        byte[] bytes;
        try
        {
            bytes = ReadBounded(path, kind, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InputFileException($"the {kind} '{path}' was not found; check the path", path, ex);
        }
        catch (Exception ex) when (ex is not InputFileException and (IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException))
        {
            throw new InputFileException($"the {kind} '{path}' could not be read: {ex.Message}", path, ex);
        }

        CheckUtf8(bytes, path, kind);
        return bytes.AsSpan().StartsWith("\uFEFF"u8) ? bytes[3..] : bytes;
    }

    private static byte[] ReadBounded(string path, string kind, CancellationToken cancellationToken)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        long length = 0;
        if (stream.CanSeek)
        {
            length = stream.Length;
            if (length > MaxBytes)
            {
                throw TooLarge(path, kind, $"is {Size(length)}");
            }
        }

        // A regular file reads into an array of its length; a device or pipe (length 0 or unknown) grows one, and is
        // refused as soon as it passes the limit, so /dev/zero costs one limit's worth of reading at most.
        var buffer = new ArrayBufferWriter<byte>((int)length + ChunkBytes);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int read = stream.Read(buffer.GetSpan(ChunkBytes)[..ChunkBytes]);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > MaxBytes)
            {
                throw TooLarge(path, kind, $"is not a regular file and gave more than {Size(MaxBytes)} without ending");
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static InputFileException TooLarge(string path, string kind, string size) =>
        new($"the {kind} '{path}' {size}; GenPipe reads at most {Size(MaxBytes)} of JSON: " +
            "keep large data (weights, long arrays) in files that components load, not in the JSON", path);

    private static void CheckUtf8(byte[] bytes, string path, string kind)
    {
        ReadOnlySpan<byte> span = bytes;
        if (Utf8.IsValid(span))
        {
            return;
        }

        if (span.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || span.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            throw new InputFileException($"the {kind} '{path}' is UTF-16 text, not UTF-8; save it as UTF-8", path) { Line = 1, Column = 1 };
        }

        int offset = FirstInvalidByte(span);
        int lineStart = span[..offset].LastIndexOf((byte)'\n') + 1;
        int line = span[..offset].Count((byte)'\n') + 1;
        int column = Encoding.UTF8.GetCharCount(span[lineStart..offset]) + 1;
        throw new InputFileException(
            $"the {kind} '{path}' is not UTF-8 text: byte 0x{span[offset]:X2} at offset {offset} (line {line}, column {column}) " +
            "does not belong to a UTF-8 character; save the file as UTF-8", path)
        { Line = line, Column = column };
    }

    private static int FirstInvalidByte(ReadOnlySpan<byte> utf8)
    {
        Span<char> chars = stackalloc char[1024];
        int offset = 0;
        while (offset < utf8.Length)
        {
            var status = Utf8.ToUtf16(utf8[offset..], chars, out int read, out _, replaceInvalidSequences: false, isFinalBlock: true);
            offset += read;
            if (status is OperationStatus.InvalidData or OperationStatus.NeedMoreData)
            {
                return Math.Min(offset, utf8.Length - 1);
            }

            if (status == OperationStatus.Done)
            {
                break;
            }
        }

        return Math.Min(offset, utf8.Length - 1);
    }

    private static string Size(long bytes) => bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):0.#} MB" : $"{bytes} bytes";
}

/// <summary>An input file that cannot be used: missing, a folder, too large, unreadable or not UTF-8. The message says which and how to fix it.</summary>
public sealed class InputFileException : IOException
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public InputFileException(string message, string path, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = path;
    }

    /// <summary>The file at fault.</summary>
    public string FilePath { get; }

    /// <summary>The 1-based line of the problem, or 0 when it is the whole file.</summary>
    public int Line { get; init; }

    /// <summary>The 1-based column of the problem, or 0 when it is the whole file.</summary>
    public int Column { get; init; }
}
