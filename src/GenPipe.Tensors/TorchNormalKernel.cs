namespace GenPipe.Tensors;

/// <summary>
/// Which of PyTorch's CPU kernels <see cref="TorchGenerator"/> imitates for <c>randn</c> on 16 or more elements.
/// Both draw the same uniforms; they differ in the last bit of about a third of the values because one evaluates
/// log/sin/cos with vector polynomials and the other with the C library.
/// </summary>
public enum TorchNormalKernel
{
    /// <summary>
    /// The AVX2 kernel (Cephes polynomials with fused multiply-add): torch on x86-64 when its CPU capability is AVX2,
    /// as in Debian's PyTorch 1.13 and on machines without AVX-512.
    /// </summary>
    Avx2 = 0,

    /// <summary>
    /// The portable kernel (single-precision <c>logf</c>, <c>sinf</c>, <c>cosf</c> of the C library): torch with CPU
    /// capability "default" (<c>ATEN_CPU_CAPABILITY=default</c>) and, per its source, builds dispatching to AVX-512 or
    /// running on other architectures. Matches where .NET and torch use the same C library (glibc on Linux).
    /// </summary>
    Portable = 1,
}
