using System.Globalization;
using System.Text;

namespace GenPipe.Schedulers.Tests;

/// <summary>
/// Collects relative errors, max |ours - reference| / max |reference| (the error against the tensor's scale), for
/// every quantity of a reference trajectory, and reports the worst.
/// </summary>
public sealed class ErrorReport
{
    private readonly List<(string What, double Error)> _errors = [];

    /// <summary>Records the relative error of <paramref name="actual"/> against <paramref name="expected"/>.</summary>
    public void Compare(string what, ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        if (actual.Length != expected.Length)
        {
            _errors.Add(($"{what} (length {actual.Length}, expected {expected.Length})", double.PositiveInfinity));
            return;
        }

        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsNaN(expected[i]))
            {
                // Where upstream breaks (UniPC bh1's last step), the requirement is a finite result instead.
                worst = float.IsFinite(actual[i]) ? worst : double.PositiveInfinity;
                continue;
            }

            scale = Math.Max(scale, Math.Abs((double)expected[i]));
            double diff = Math.Abs((double)actual[i] - expected[i]);
            worst = double.IsNaN(diff) ? double.PositiveInfinity : Math.Max(worst, diff);
        }

        // An all-zero reference (a final sigma of 0) is compared absolutely.
        _errors.Add((what, scale > 0 ? worst / scale : worst));
    }

    /// <summary>Records the relative error of one value.</summary>
    public void Compare(string what, float actual, float expected) => Compare(what, [actual], [expected]);

    /// <summary>The largest error recorded.</summary>
    public double MaxError => _errors.Count == 0 ? 0 : _errors.Max(e => e.Error);

    /// <summary>The errors above <paramref name="tolerance"/>, worst first.</summary>
    public IReadOnlyList<(string What, double Error)> Above(double tolerance) =>
        [.. _errors.Where(e => !(e.Error < tolerance)).OrderByDescending(e => e.Error)];

    /// <summary>A one-line summary: the worst quantity per kind.</summary>
    public string Summary()
    {
        var text = new StringBuilder();
        foreach (var group in _errors.GroupBy(e => e.What.Split('[')[0]))
        {
            var worst = group.MaxBy(e => e.Error);
            text.Append(CultureInfo.InvariantCulture, $"{group.Key}={worst.Error:0.##E+0} ");
        }

        return text.ToString().TrimEnd();
    }
}
