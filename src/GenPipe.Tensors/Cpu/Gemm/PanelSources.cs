namespace GenPipe.Tensors.Cpu.Gemm;

/// Supplies packed A slivers: rows i0..i0+MR of A over depth k0..k0+kc, laid out [kc][MR], rows past M zero.
internal unsafe interface IASource
{
    /// Called once per depth block before <see cref="Sliver"/> is asked for rows in [i0, i1); a source that copies
    /// packs them all here, so that the copy is shared by every column block.
    void Prepare(int i0, int i1, int k0, int kc, GemmScratch scratch);

    /// Rows i0..i0+MR over depth k0..k0+kc: element (r, k) is at result[r * rowStride + k * step] ([kc][MR] packing has
    /// rowStride 1 and step MR; a row-major A read in place has its row stride and step 1).
    float* Sliver(int i0, int k0, int kc, out nint rowStride, out nint step);
}

/// Supplies packed B blocks: depth k0..k0+kc and columns j0..j0+nc (j0 a multiple of NR) as consecutive panels
/// [kc][NR], columns past N zero.
internal unsafe interface IBSource
{
    float* Block(int k0, int kc, int j0, int nc, float* scratch);
}
