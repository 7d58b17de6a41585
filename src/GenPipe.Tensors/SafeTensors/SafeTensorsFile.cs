using System.IO.MemoryMappedFiles;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace GenPipe.Tensors.SafeTensors;

/// <summary>
/// A safetensors file opened for reading. <see cref="Open"/> reads and validates only the header; each tensor's data
/// is read when it is loaded. F32 tensors whose data is 4-byte aligned are memory-mapped without a copy
/// (<see cref="MappedStorage"/>); F16 and BF16 tensors are converted to float32 on load. I64 and U8 tensors load as
/// <see cref="long"/> and <see cref="byte"/> arrays (<see cref="LoadInt64"/>, <see cref="LoadUInt8"/>).
/// </summary>
/// <remarks>
/// <para>Safety: a broken or hostile file is refused by <see cref="Open"/> with a <see cref="SafeTensorsFormatException"/>
/// that names the file, the tensor and the fix. Nothing larger than the file is allocated while validating.</para>
/// <para>Lifetime: disposing the file keeps the mapping alive for the tensors already loaded from it; the mapping is
/// released once the file is disposed and all those tensors are unreachable (reference counting on the mapped view).
/// Loaded tensors therefore never dangle; calls on the disposed file itself throw
/// <see cref="ObjectDisposedException"/>. Keep a tensor referenced while using a span taken from it.</para>
/// <para>The file is opened read-only and mapped copy-on-write, so writes to a mapped tensor stay in this process. If
/// another process truncates the file while it is mapped, the operating system may fault on access to the lost
/// pages; loads check the file length first, but cannot protect tensors already mapped.</para>
/// <para>Thread safety: <see cref="Load"/> and the other readers may be called from several threads at once.</para>
/// </remarks>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly MemoryMappedFile _mapping;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly long _fileLength;
    private int _disposed;

    private SafeTensorsFile(string path, SafeFileHandle file, SafeTensorsHeader header, long fileLength)
    {
        Path = path;
        _file = file;
        _fileLength = fileLength;
        Entries = header.Entries;
        Metadata = header.Metadata;

        // Copy-on-write: the file handle is read-only, yet the process may write to a mapped tensor (kernels take
        // writable spans) without a fault and without changing the file. The header check guarantees a non-empty file.
        _mapping = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.CopyOnWrite, HandleInheritability.None, leaveOpen: true);
        _view = _mapping.CreateViewAccessor(0, 0, MemoryMappedFileAccess.CopyOnWrite);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
    }

    /// <summary>The path the file was opened from.</summary>
    public string Path { get; }

    /// <summary>The tensors in the file, by name.</summary>
    public IReadOnlyDictionary<string, SafeTensorsEntry> Entries { get; }

    /// <summary>The header's <c>__metadata__</c> strings (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens <paramref name="path"/>, reading and validating the header only.</summary>
    /// <exception cref="SafeTensorsFormatException">The file is not a valid safetensors file.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static SafeTensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = System.IO.Path.GetFullPath(path);
        SafeFileHandle file = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            SafeTensorsHeader header = SafeTensorsHeader.Read(file, fullPath);
            return new SafeTensorsFile(fullPath, file, header, RandomAccess.GetLength(file));
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>True when the file holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => Entries.ContainsKey(name);

    /// <summary>
    /// Loads a tensor as float32: F32 data mapped in place when it is 4-byte aligned (else copied), F16 and BF16
    /// converted into a new array.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    /// <exception cref="NotSupportedException">The tensor's dtype cannot be loaded as float32, or it is too large.</exception>
    /// <exception cref="ObjectDisposedException">The file was disposed.</exception>
    public Tensor Load(string name)
    {
        SafeTensorsEntry entry = Entry(name);
        RequireFloat(entry);
        int count = RequireLoadable(entry);
        bool entered = EnterView();
        try
        {
            byte* data = Data(entry);
            if (entry.DType == SafeTensorsDType.F32 && ((nuint)data & 3) == 0)
            {
                var mapped = new MappedStorage(_view.SafeMemoryMappedViewHandle, data, count, Path);
                return new Tensor(TensorView.Contiguous(mapped, 0, new Dims(entry.Shape)));
            }

            // Every element is overwritten, so skip the zeroing pass (a third of the cost for large tensors).
            float[] values = GC.AllocateUninitializedArray<float>(count);
            Convert(entry, data, values);
            return new Tensor(values, entry.Shape);
        }
        finally
        {
            ExitView(entered);
        }
    }

    /// <summary>
    /// Converts a float tensor (F32, F16 or BF16) into <paramref name="destination"/>, for callers that bring their own
    /// buffer (a pooled one, or a view into a larger tensor).
    /// </summary>
    /// <exception cref="ArgumentException">The destination is shorter than the tensor.</exception>
    public void LoadInto(string name, Span<float> destination)
    {
        SafeTensorsEntry entry = Entry(name);
        RequireFloat(entry);
        int count = RequireLoadable(entry);
        if (destination.Length < count)
        {
            throw new ArgumentException(
                $"{Path}: tensor '{name}' has {count} elements but the destination holds {destination.Length}.", nameof(destination));
        }

        bool entered = EnterView();
        try
        {
            Convert(entry, Data(entry), destination[..count]);
        }
        finally
        {
            ExitView(entered);
        }
    }

    /// <summary>Loads an I64 tensor as a new array (row-major).</summary>
    /// <exception cref="NotSupportedException">The tensor is not I64.</exception>
    public long[] LoadInt64(string name)
    {
        SafeTensorsEntry entry = Entry(name);
        RequireDType(entry, SafeTensorsDType.I64);

        int count = RequireLoadable(entry);
        var values = new long[count];
        bool entered = EnterView();
        try
        {
            new ReadOnlySpan<byte>(Data(entry), checked((int)entry.ByteLength)).CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        finally
        {
            ExitView(entered);
        }

        return values;
    }

    /// <summary>
    /// Loads a U8 tensor as a new array (row-major), such as 8-bit image pixels. The bytes stay bytes: a float tensor
    /// of them would take four times the memory, and callers scale them as their data needs.
    /// </summary>
    /// <exception cref="NotSupportedException">The tensor is not U8.</exception>
    public byte[] LoadUInt8(string name)
    {
        SafeTensorsEntry entry = Entry(name);
        RequireDType(entry, SafeTensorsDType.U8);
        int count = RequireLoadable(entry);
        bool entered = EnterView();
        try
        {
            return new ReadOnlySpan<byte>(Data(entry), count).ToArray();
        }
        finally
        {
            ExitView(entered);
        }
    }

    /// <summary>A copy of a tensor's raw little-endian bytes, whatever its dtype.</summary>
    public byte[] ReadBytes(string name)
    {
        SafeTensorsEntry entry = Entry(name);
        if (entry.ByteLength > Array.MaxLength)
        {
            throw new NotSupportedException($"{Path}: tensor '{name}' has {entry.ByteLength} bytes, more than one array can hold.");
        }

        bool entered = EnterView();
        try
        {
            return new ReadOnlySpan<byte>(Data(entry), (int)entry.ByteLength).ToArray();
        }
        finally
        {
            ExitView(entered);
        }
    }

    /// <summary>
    /// Releases the file handle and this object's reference on the mapping. Tensors loaded earlier stay valid: the
    /// mapping is released when the last of them is unreachable.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _mapping.Dispose();
        _file.Dispose();
    }

    private SafeTensorsEntry Entry(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!Entries.TryGetValue(name, out SafeTensorsEntry? entry))
        {
            string known = string.Join(", ", Entries.Keys.Order(StringComparer.Ordinal).Take(8));
            throw new KeyNotFoundException(
                $"{Path}: no tensor named '{name}'. The file holds {Entries.Count} tensors{(Entries.Count > 0 ? $" ({known}{(Entries.Count > 8 ? ", ..." : "")})" : "")}.");
        }

        return entry;
    }

    private void RequireFloat(SafeTensorsEntry entry)
    {
        if (entry.DType is SafeTensorsDType.F32 or SafeTensorsDType.F16 or SafeTensorsDType.BF16)
        {
            return;
        }

        throw new NotSupportedException($"{Path}: tensor '{entry.Name}' is {entry.DType}, which Load does not support. Fix: {LoaderFor(entry.DType)}.");
    }

    // The integer accessors take exactly their dtype: widening or narrowing silently would hide a file that is not what
    // the caller thinks it is.
    private void RequireDType(SafeTensorsEntry entry, SafeTensorsDType expected)
    {
        if (entry.DType != expected)
        {
            throw new NotSupportedException($"{Path}: tensor '{entry.Name}' is {entry.DType}, not {expected}. Fix: {LoaderFor(entry.DType)}.");
        }
    }

    /// <summary>The fix a refusal names: the accessor that does load <paramref name="dtype"/>, or what to convert to.</summary>
    private static string LoaderFor(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F32 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 => "use Load for F32, F16 and BF16 tensors",
        SafeTensorsDType.I64 => "use LoadInt64 for I64 tensors",
        SafeTensorsDType.U8 => "use LoadUInt8 for U8 tensors",
        _ => "GenPipe loads F32, F16 and BF16 tensors as float32 (I64 with LoadInt64, U8 with LoadUInt8); convert the file, e.g. with PyTorch, to one of those",
    };

    private int RequireLoadable(SafeTensorsEntry entry)
    {
        if (entry.ElementCount > Array.MaxLength || entry.Shape.Length > Dims.MaxRank)
        {
            throw new NotSupportedException(
                $"{Path}: tensor '{entry.Name}' {Tensor.FormatShape(entry.Shape)} is too large for one GenPipe tensor (at most {Array.MaxLength} elements and {Dims.MaxRank} dimensions).");
        }

        // A file shortened since Open would fault on the lost pages: refuse instead.
        long length = RandomAccess.GetLength(_file);
        if (length < _fileLength)
        {
            throw SafeTensorsHeader.Error(Path, entry.Name, $"the file shrank from {_fileLength} to {length} bytes after it was opened",
                "do not change a model file while it is in use; open it again");
        }

        return (int)entry.ElementCount;
    }

    private byte* Data(SafeTensorsEntry entry) => _base + entry.FileOffset;

    /// <summary>
    /// Holds a reference on the view while bytes are read, so a <see cref="Dispose"/> on another thread cannot unmap
    /// them mid-read; once the file is disposed this throws <see cref="ObjectDisposedException"/> instead.
    /// </summary>
    private bool EnterView()
    {
        bool added = false;
        _view.SafeMemoryMappedViewHandle.DangerousAddRef(ref added);
        return added;
    }

    private void ExitView(bool entered)
    {
        if (entered)
        {
            _view.SafeMemoryMappedViewHandle.DangerousRelease();
        }
    }

    private static void Convert(SafeTensorsEntry entry, byte* data, Span<float> destination)
    {
        int count = destination.Length;
        switch (entry.DType)
        {
            case SafeTensorsDType.F32:
                new ReadOnlySpan<byte>(data, checked(count * 4)).CopyTo(MemoryMarshal.AsBytes(destination));
                break;
            case SafeTensorsDType.F16:
                // x86 and Arm64 load unaligned halves without penalty, so odd offsets need no copy first.
                TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(data, count), destination);
                break;
            default:
                BFloat16Conversion.ToSingle(new ReadOnlySpan<ushort>(data, count), destination);
                break;
        }
    }
}
