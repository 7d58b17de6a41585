namespace GenPipe.Tensors.Cpu.Gemm;

/// Supplies packed A slivers: rows i0..i0+MR of A over depth k0..k0+kc, laid out [kc][MR], rows past M zero.
internal unsafe interface IASource
{
    float* Sliver(int i0, int k0, int kc, float* scratch);
}

/// Supplies packed B blocks: depth k0..k0+kc and columns j0..j0+nc (j0 a multiple of NR) as consecutive panels
/// [kc][NR], columns past N zero.
internal unsafe interface IBSource
{
    float* Block(int k0, int kc, int j0, int nc, float* scratch);
}
