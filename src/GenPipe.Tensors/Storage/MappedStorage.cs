using System.Buffers;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace GenPipe.Tensors;

/// <summary>
/// float32 elements read in place from a memory-mapped file (no copy). The mapping is copy-on-write: writing to the
/// elements changes this process's private pages, never the file.
/// </summary>
/// <remarks>
/// <para>Lifetime: every mapped storage holds a reference count on the mapped view, so the view stays mapped until the
/// file object is disposed <em>and</em> every storage over it (and every <see cref="Memory"/> taken from it) is
/// unreachable; the view is then unmapped by the finalizer. Disposing the file therefore never invalidates a tensor
/// that is still referenced.</para>
/// <para>As with any memory outside the managed heap, a <see cref="Span"/> does not keep its storage alive: keep the
/// tensor (or this storage) referenced while using a span taken from it, or use <see cref="Memory"/>, which does.</para>
/// </remarks>
public sealed unsafe partial class MappedStorage : TensorStorage
{
    // madvise's MADV_DONTNEED on Linux.
    private const int MadviseDontNeed = 4;

    private readonly ViewLease _lease;
    private readonly float* _elements;
    private readonly int _length;
    private readonly Manager _manager;

    internal MappedStorage(SafeMemoryMappedViewHandle view, byte* elements, int length, string sourcePath)
    {
        _lease = new ViewLease(view);
        _elements = (float*)elements;
        _length = length;
        SourcePath = sourcePath;
        _manager = new Manager(this);
    }

    /// <summary>The file the elements are mapped from.</summary>
    public string SourcePath { get; }

    /// <inheritdoc />
    public override int Length => _length;

    /// <inheritdoc />
    public override Span<float> Span => new(_elements, _length);

    /// <inheritdoc />
    public override Memory<float> Memory => _manager.Memory;

    /// <inheritdoc />
    /// <remarks>On Linux, madvise(MADV_DONTNEED) on the whole pages of the range: the file's pages stay in the page
    /// cache, so touching them again costs a page fault, not a disk read. Elsewhere nothing is released.</remarks>
    public override void ReleasePages(int start, int length)
    {
        base.ReleasePages(start, length);
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        nint page = Environment.SystemPageSize;
        nint first = ((nint)(_elements + start) + page - 1) & ~(page - 1);
        nint end = (nint)(_elements + start + length) & ~(page - 1);
        if (end > first)
        {
            // Advice only: a failure leaves the pages resident, which is what not calling would have done.
            _ = Madvise((void*)first, (nuint)(end - first), MadviseDontNeed);
        }

        GC.KeepAlive(_lease);
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* address, nuint length, int advice);

    /// <summary>
    /// One reference on the view handle, released by the finalizer once nothing can reach the storage. SafeHandle's
    /// own counting defers the unmap until the last reference is gone, even after the file disposed the handle.
    /// </summary>
    private sealed class ViewLease
    {
        private readonly SafeMemoryMappedViewHandle? _view;

        public ViewLease(SafeMemoryMappedViewHandle view)
        {
            // Throws ObjectDisposedException once the file closed the view; _view then stays null, so the finalizer
            // of this half-built object releases nothing it did not add.
            bool added = false;
            view.DangerousAddRef(ref added);
            _view = view;
        }

        ~ViewLease() => _view?.DangerousRelease();
    }

    /// <summary>Memory over the mapped elements; it references the storage, so pinned or held memory keeps the view mapped.</summary>
    private sealed class Manager(MappedStorage owner) : MemoryManager<float>
    {
        public override Span<float> GetSpan() => owner.Span;

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, owner._length);
            return new MemoryHandle(owner._elements + elementIndex, default, this);
        }

        public override void Unpin()
        {
            // Mapped memory never moves; the handle only keeps this manager (and so the view) alive.
        }

        protected override void Dispose(bool disposing)
        {
            // The view is released by the storage's lease, not here: disposing memory must not unmap a live tensor.
        }
    }
}
