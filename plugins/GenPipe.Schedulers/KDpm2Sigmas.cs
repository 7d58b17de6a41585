namespace GenPipe.Schedulers;

/// <summary>
/// The schedule arithmetic both DPM-Solver-2 schedulers (KDPM2 and its ancestral variant) share: the geometric
/// midpoints between noise levels, and the interleaving of each level with its midpoint. (Their runs come from
/// <see cref="TrainingSigmas.Run"/> with Karras timesteps rounded to whole steps, as diffusers does for these two.)
/// </summary>
internal static class KDpm2Sigmas
{
    /// <summary>
    /// exp(lerp(ln a, ln b, 0.5)) in float32 as torch computes it (end - (end - start) * 0.5, exact halving), the
    /// geometric mean of two sigmas; 0 when either is 0, NaN when both logs are infinite alike.
    /// </summary>
    public static float LogMidpoint(float a, float b)
    {
        // torch.lerp's weight-0.5 formula turns ln 0 = -inf into -inf - (-inf) = NaN; the geometric mean with 0 is 0.
        if (a == 0 || b == 0)
        {
            return 0f;
        }

        float start = MathF.Log(a);
        float end = MathF.Log(b);
        return MathF.Exp(end - ((end - start) * 0.5f));
    }

    /// <summary>[v_0, v_1, v_1, v_2, v_2, ..., v_last, v_last, v_last]: each level but the first twice, the last thrice.</summary>
    public static float[] Interleave(float[] values) => [values[0], .. values[1..].SelectMany(v => new[] { v, v }), values[^1]];
}
