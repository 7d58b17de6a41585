using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GenPipe.Tensors.Cpu.Kernels;

/// <summary>The identity (no activation).</summary>
internal readonly struct IdentityOp : IVectorOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x) => x;
}

/// <summary>max(x, 0).</summary>
internal readonly struct ReluOp : IVectorOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x) => Vector512.Max(x, Vector512<float>.Zero);
}

/// <summary>x * sigmoid(x), written x / (1 + e^-x) with the clamped exponential, so the denominator is finite and at
/// least 1 for every x (very negative x gives a correctly tiny result, not NaN).</summary>
internal readonly struct SiluOp : IVectorOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x) => x * Sigmoid.Reciprocal(Vector512<float>.One + FastExp.ExpClamped(-x));
}

/// <summary>Shared pieces of the sigmoid-shaped activations.</summary>
internal static class Sigmoid
{
    /// <summary>
    /// 1 / d for d in [1, 3e38]: the 14-bit AVX-512 estimate refined by one Newton step (about 1 ulp), which is several
    /// times cheaper than a full-width division on current cores.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Reciprocal(Vector512<float> d)
    {
        if (!Avx512F.IsSupported)
        {
            return Vector512<float>.One / d;
        }

        var r = Avx512F.Reciprocal14(d);
        return r * Vector512.FusedMultiplyAdd(-d, r, Vector512.Create(2f));
    }
}

/// <summary>x * sigmoid(1.702 x), CLIP's quick GELU.</summary>
internal readonly struct QuickGeluOp : IVectorOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x) =>
        x * Sigmoid.Reciprocal(Vector512<float>.One + FastExp.ExpClamped(x * Vector512.Create(-1.702f)));
}

/// <summary>
/// GELU's tanh form, 0.5 x (1 + tanh(u)) with u = sqrt(2/pi) (x + 0.044715 x^3). Since 0.5 (1 + tanh u) equals
/// sigmoid(2u), it is evaluated as x / (1 + e^(-2u)), one exponential and no cancellation.
/// </summary>
internal readonly struct GeluTanhOp : IVectorOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x)
    {
        const float TwoSqrtTwoOverPi = 1.5957691216057308f;
        var x2 = x * x;
        var u = x * Vector512.FusedMultiplyAdd(x2, Vector512.Create(0.044715f * TwoSqrtTwoOverPi), Vector512.Create(TwoSqrtTwoOverPi));
        return x * Sigmoid.Reciprocal(Vector512<float>.One + FastExp.ExpClamped(-u));
    }
}

/// <summary>
/// Exact GELU, x Φ(x) = 0.5 x erfc(-x / sqrt 2). The complementary error function is evaluated for |z| by the
/// Chebyshev-fitted form erfc(z) = t exp(-z^2 + P(t)), t = 1 / (1 + z/2), P a degree-9 polynomial (Numerical
/// Recipes, fractional error below 1.2e-7 everywhere); erfc(-z) = 2 - erfc(z). Working with erfc keeps the
/// negative tail accurate in relative terms, where 1 + erf(x) would cancel.
/// </summary>
internal readonly struct GeluOp : IVectorOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x)
    {
        var half = Vector512.Create(0.5f);
        var z = Vector512.Abs(x) * Vector512.Create(0.70710678118654752f);
        var t = Vector512<float>.One / Vector512.FusedMultiplyAdd(z, half, Vector512<float>.One);
        var p = Vector512.Create(0.17087277f);
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(-0.82215223f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(1.48851587f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(-1.13520398f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(0.27886807f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(-0.18628806f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(0.09678418f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(0.37409196f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(1.00002368f));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(-1.26551223f));
        var erfcAbs = t * FastExp.Exp(Vector512.FusedMultiplyAdd(-z, z, p));

        // x < 0: erfc(-x/sqrt2) = erfc(|z|); x >= 0: erfc(-x/sqrt2) = 2 - erfc(|z|).
        var erfcNeg = Vector512.ConditionalSelect(
            Vector512.LessThan(x, Vector512<float>.Zero), erfcAbs, Vector512.Create(2f) - erfcAbs);
        return half * x * erfcNeg;
    }
}
