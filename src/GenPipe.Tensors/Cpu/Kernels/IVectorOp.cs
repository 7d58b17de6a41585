using System.Runtime.Intrinsics;

namespace GenPipe.Tensors.Cpu.Kernels;

/// <summary>
/// An elementwise function on one vector of lanes. Kernels are generic over a struct implementing it, so the JIT
/// specializes each loop and inlines the function (an activation fused into a normalization costs no call).
/// </summary>
internal interface IVectorOp
{
    static abstract Vector512<float> Apply(Vector512<float> x);
}
