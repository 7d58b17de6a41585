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
        var clamped = Vector512.Min(Vector512.Max(x, Vector512.Create(Low)), Vector512.Create(High));
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
        var twoToN = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
        return p * twoToN;
    }
}
