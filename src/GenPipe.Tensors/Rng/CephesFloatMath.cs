namespace GenPipe.Tensors.Rng;

/// <summary>
/// Single-precision log and sin/cos as PyTorch's CPU kernel computes them for <c>randn</c>: the Cephes polynomials
/// of Pommier's <c>avx_mathfun</c>, evaluated lane by lane with the same roundings, so results agree to the bit.
/// </summary>
/// <remarks>
/// PyTorch builds that code with fused multiply-add contraction, so every <c>a * b + c</c> of the vector source is one
/// rounding here (<see cref="MathF.FusedMultiplyAdd"/>); where the compiler fused only one of two products, the other
/// is rounded separately, exactly as written below. Libm's <c>logf</c>/<c>cosf</c> differ in the last bit often
/// enough to break "same seed, same noise".
/// </remarks>
internal static class CephesFloatMath
{
    private const float SqrtHalf = 0.707106781186547524f;
    private const float LogP0 = 7.0376836292e-2f;
    private const float LogP1 = -1.1514610310e-1f;
    private const float LogP2 = 1.1676998740e-1f;
    private const float LogP3 = -1.2420140846e-1f;
    private const float LogP4 = 1.4249322787e-1f;
    private const float LogP5 = -1.6668057665e-1f;
    private const float LogP6 = 2.0000714765e-1f;
    private const float LogP7 = -2.4999993993e-1f;
    private const float LogP8 = 3.3333331174e-1f;
    private const float LogQ1 = -2.12194440e-4f;
    private const float LogQ2 = 0.693359375f;

    private const float FourOverPi = 1.27323954473516f;
    private const float MinusDp1 = -0.78515625f;
    private const float MinusDp2 = -2.4187564849853515625e-4f;
    private const float MinusDp3 = -3.77489497744594108e-8f;
    private const float SinP0 = -1.9515295891e-4f;
    private const float SinP1 = 8.3321608736e-3f;
    private const float SinP2 = -1.6666654611e-1f;
    private const float CosP0 = 2.443315711809948e-5f;
    private const float CosP1 = -1.388731625493765e-3f;
    private const float CosP2 = 4.166664568298827e-2f;

    /// <summary>Natural logarithm of <paramref name="value"/>; NaN for values at or below zero.</summary>
    public static float Log(float value)
    {
        if (!(value > 0f))
        {
            return float.NaN;
        }

        // Denormals are clamped to the smallest normal, as the vector code does.
        float x = MathF.Max(value, BitConverter.Int32BitsToSingle(0x00800000));
        int bits = BitConverter.SingleToInt32Bits(x);
        float e = (float)((int)((uint)bits >> 23) - 0x7f) + 1f;

        // Mantissa in [0.5, 1).
        x = BitConverter.Int32BitsToSingle((bits & ~0x7f800000) | 0x3f000000);

        // Shift the mantissa to [sqrt(1/2) - 1, sqrt(2) - 1] around zero for the polynomial.
        if (x < SqrtHalf)
        {
            e -= 1f;
            x = (x - 1f) + x;
        }
        else
        {
            x -= 1f;
        }

        float z = x * x;
        float y = MathF.FusedMultiplyAdd(LogP0, x, LogP1);
        y = MathF.FusedMultiplyAdd(y, x, LogP2);
        y = MathF.FusedMultiplyAdd(y, x, LogP3);
        y = MathF.FusedMultiplyAdd(y, x, LogP4);
        y = MathF.FusedMultiplyAdd(y, x, LogP5);
        y = MathF.FusedMultiplyAdd(y, x, LogP6);
        y = MathF.FusedMultiplyAdd(y, x, LogP7);
        y = MathF.FusedMultiplyAdd(y, x, LogP8);
        y *= x;
        y = MathF.FusedMultiplyAdd(y, z, e * LogQ1);
        y -= z * 0.5f;
        x += y;
        return MathF.FusedMultiplyAdd(e, LogQ2, x);
    }

    /// <summary>Sine and cosine of <paramref name="value"/> (accurate for moderate arguments, such as 0 to 2 pi).</summary>
    public static (float Sin, float Cos) SinCos(float value)
    {
        uint signSin = BitConverter.SingleToUInt32Bits(value) & 0x80000000u;
        float x = MathF.Abs(value);

        // Octant index j rounded up to even; the reduction subtracts j * pi/4 in three parts (extended precision).
        int j = (int)(x * FourOverPi);
        j = (j + 1) & ~1;
        float y = j;
        signSin ^= (uint)(j & 4) << 29;
        bool sinFromSinePolynomial = (j & 2) == 0;
        uint signCos = (uint)(~(j - 2) & 4) << 29;

        x = MathF.FusedMultiplyAdd(y, MinusDp1, x);
        x = MathF.FusedMultiplyAdd(y, MinusDp2, x);
        x = MathF.FusedMultiplyAdd(y, MinusDp3, x);

        float z = x * x;
        float c = MathF.FusedMultiplyAdd(CosP0, z, CosP1);
        c = MathF.FusedMultiplyAdd(c, z, CosP2);
        c *= z;
        c = MathF.FusedMultiplyAdd(c, z, -(z * 0.5f));
        c += 1f;

        float s = MathF.FusedMultiplyAdd(SinP0, z, SinP1);
        s = MathF.FusedMultiplyAdd(s, z, SinP2);
        s *= z;
        s = MathF.FusedMultiplyAdd(s, x, x);

        float sin = sinFromSinePolynomial ? s : c;
        float cos = sinFromSinePolynomial ? c : s;
        return (FlipSign(sin, signSin), FlipSign(cos, signCos));
    }

    private static float FlipSign(float value, uint signBit) =>
        BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(value) ^ signBit);
}
