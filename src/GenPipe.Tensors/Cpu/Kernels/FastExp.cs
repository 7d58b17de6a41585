using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GenPipe.Tensors.Cpu.Kernels;

/// <summary>
/// e^x for 16 lanes, about three times cheaper than <see cref="Vector512.Exp(Vector512{float})"/> and within a couple
/// of float ulps: x = n ln2 + r with |r| ≤ ln2 / 2 (ln2 split in two parts so r is exact), e^r by its Taylor series to
/// degree 7 (truncation below 5e-9), and 2^n built in the exponent bits. Results that would be subnormal (inputs under
/// -86.5, -inf included) flush to 0, inputs over 88.3 give +inf, NaN stays NaN.
/// </summary>
internal static class FastExp
{
    private const float Low = -86.5f;
    private const float High = 88.3f;
    private const float MinExponent = -126f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        var result = ExpClamped(x);
        result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(Low)), Vector512<float>.Zero, result);
        result = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(High)), Vector512.Create(float.PositiveInfinity), result);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    }

    /// <summary>
    /// e^x with x first clamped to [-86.5, 88.3]: finite and positive for every input (about 1e-38 below the range,
    /// 2e38 above it). For sigmoid-style uses, x / (1 + e^-x), where that is exactly as good and six operations cheaper.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ExpClamped(Vector512<float> x)
    {
        var clamped = Vector512.MinNative(Vector512.MaxNative(x, Vector512.Create(Low)), Vector512.Create(High));
        var n = Vector512.Round(clamped * Vector512.Create(1.44269504088896341f));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693145751953125f), clamped);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-1.4286068202862268e-06f), r);
        var p = Vector512.Create(1f / 5040f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 720f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 120f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 24f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 6f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);

        // The clamp keeps n in [-125, 127], a normal biased exponent.
        var twoToN = Vector512.ShiftLeft(Vector512.ConvertToInt32Native(n) + Vector512.Create(127), 23).AsSingle();
        return p * twoToN;
    }

    /// <summary>
    /// 2^x for x ≤ 0, the softmax exponential when scores are kept in base 2 (log2(e) folded into the query scale):
    /// x = n + r with n = round(x), |r| ≤ 1/2, and 2^r = e^(r ln2) by its Taylor series to degree 7 (truncation
    /// below 6e-9); half the operations of <see cref="Exp(Vector512{float})"/>, with no range reduction by ln2 to split.
    /// Inputs under -126 (-inf included) give 0, NaN stays NaN; positive inputs are outside its contract.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp2NonPositive(Vector256<float> x)
    {
        // The bound is the first operand: vmaxps returns its second when either is NaN, so a NaN x passes through.
        var clamped = Vector256.MaxNative(Vector256.Create(MinExponent), x);
        var n = Vector256.Round(clamped);
        var r = clamped - n;
        var p = Vector256.Create(1.52527338e-05f);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(0.000154035304f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(0.00133335581f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(0.00961812911f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(0.0555041087f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(0.240226507f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(0.693147181f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        var twoToN = Vector256.ShiftLeft(Vector256.ConvertToInt32Native(n) + Vector256.Create(127), 23).AsSingle();
        return Vector256.AndNot(p * twoToN, Vector256.LessThan(x, Vector256.Create(MinExponent)));
    }
}
