namespace GenPipe.Schedulers;

/// <summary>
/// Adaptive Simpson quadrature (Kuncir, 1962; Lyness, 1969): Simpson's rule on an interval is compared with the sum
/// over its halves, and halves are refined until the difference is within tolerance (with Richardson's correction
/// added). Simpson's rule is exact for cubics, so the Lagrange basis polynomials of LMS (degree at most 3) converge at
/// the first comparison; the adaptivity is for anything else.
/// </summary>
internal static class AdaptiveSimpson
{
    private const int MaxDepth = 48;

    /// <summary>The integral of <paramref name="f"/> from <paramref name="a"/> to <paramref name="b"/> (either order).</summary>
    /// <param name="f">The integrand.</param>
    /// <param name="a">The lower limit.</param>
    /// <param name="b">The upper limit.</param>
    /// <param name="relativeTolerance">The tolerance relative to the magnitude of the whole-interval estimate.</param>
    public static double Integrate(Func<double, double> f, double a, double b, double relativeTolerance = 1e-12)
    {
        ArgumentNullException.ThrowIfNull(f);
        if (a == b)
        {
            return 0;
        }

        double fa = f(a);
        double fb = f(b);
        double m = (a + b) / 2;
        double fm = f(m);
        double whole = Simpson(a, b, fa, fm, fb);
        // An absolute floor keeps integrals that are zero from recursing to the depth limit.
        double tolerance = Math.Max(relativeTolerance * Math.Abs(whole), 1e-300);
        return Refine(f, a, b, fa, fm, fb, whole, tolerance, MaxDepth);
    }

    private static double Simpson(double a, double b, double fa, double fm, double fb) => (b - a) / 6 * (fa + (4 * fm) + fb);

    private static double Refine(
        Func<double, double> f, double a, double b, double fa, double fm, double fb, double whole, double tolerance, int depth)
    {
        double m = (a + b) / 2;
        double lm = (a + m) / 2;
        double rm = (m + b) / 2;
        double flm = f(lm);
        double frm = f(rm);
        double left = Simpson(a, m, fa, flm, fm);
        double right = Simpson(m, b, fm, frm, fb);
        double difference = left + right - whole;
        // A non-finite integrand never converges: return at once instead of splitting 2^depth times.
        if (depth <= 0 || !double.IsFinite(difference) || Math.Abs(difference) <= 15 * tolerance)
        {
            return left + right + (difference / 15);
        }

        return Refine(f, a, m, fa, flm, fm, left, tolerance / 2, depth - 1)
            + Refine(f, m, b, fm, frm, fb, right, tolerance / 2, depth - 1);
    }
}
