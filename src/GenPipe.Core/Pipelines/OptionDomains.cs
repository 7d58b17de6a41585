using System.Runtime.CompilerServices;
using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using GenPipe.Abstractions.Components;

namespace GenPipe.Core.Pipelines;

/// <summary>
/// The declared domains of component options: <see cref="RangeAttribute"/> (numbers, and each number of an array) and
/// <see cref="AllowedValuesAttribute"/> (strings) from <c>System.ComponentModel.DataAnnotations</c>, and finiteness:
/// NaN is refused everywhere, and an infinity unless the option's <see cref="RangeAttribute"/> names it as a bound
/// (<c>[Range(0, double.PositiveInfinity)]</c>). Checked by the compiler after binding, before the options' own
/// <see cref="IValidatableOptions.Validate"/>; shown by <c>genpipe describe</c>.
/// </summary>
public static class OptionDomains
{
    /// <summary>
    /// The problems with <paramref name="options"/>' values, each at its key (e.g. <c>means[2][1]</c>). Only the keys in
    /// <paramref name="given"/> are checked when it is not null: defaults are the component author's choice (an infinite
    /// default without a <c>[Range]</c> stays valid), what a pipeline or config sets is checked.
    /// </summary>
    public static IEnumerable<OptionProblem> Check(object options, IEnumerable<string>? given = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var only = given?.ToHashSet(StringComparer.Ordinal);
        foreach (var (key, property) in ComponentOptionsBinder.KnownKeys(options.GetType()))
        {
            if (only is not null && !only.Contains(key))
            {
                continue;
            }

            object? value = property.GetValue(options);
            var range = property.GetCustomAttribute<RangeAttribute>();
            var allowed = property.GetCustomAttribute<AllowedValuesAttribute>();
            if (allowed is not null && value is string text && !allowed.Values.Any(v => Equals(v, text)))
            {
                yield return new OptionProblem(key, $"'{text}' is not supported; use one of: {string.Join(", ", allowed.Values.Select(v => $"\"{v}\""))}.");
                continue;
            }

            if (FirstBadNumber(value, range, key) is { } problem)
            {
                yield return problem;
            }
        }
    }

    /// <summary>The domain of an option in words (e.g. <c>0 to 1</c>, <c>one of: linear, scaled_linear</c>), or empty.</summary>
    public static string Describe(PropertyInfo property)
    {
        ArgumentNullException.ThrowIfNull(property);
        var parts = new List<string>();
        if (property.GetCustomAttribute<RangeAttribute>() is { } range)
        {
            parts.Add(RangeText(range));
        }

        if (property.GetCustomAttribute<AllowedValuesAttribute>() is { } allowed)
        {
            parts.Add("one of: " + string.Join(", ", allowed.Values));
        }

        return string.Join("; ", parts);
    }

    private static OptionProblem? FirstBadNumber(object? value, RangeAttribute? range, string key)
    {
        var domain = new NumberDomain(range);
        var (problem, where) = FirstBad(value, domain);
        return problem is null ? null : new OptionProblem(key + where, problem);
    }

    // The first number outside the domain and where it is ("[3][1]"). Arrays of numbers are checked without boxing or a
    // string per element: options can hold millions of them.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (string? Problem, string Where) FirstBad(object? value, NumberDomain domain)
    {
        switch (value)
        {
            case double or float or int or long:
                double number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                return (domain.Contains(number) ? null : NumberProblem(number, domain.Range), "");
            case double[] doubles:
                for (int i = 0; i < doubles.Length; i++)
                {
                    if (!domain.Contains(doubles[i]))
                    {
                        return (NumberProblem(doubles[i], domain.Range), $"[{i}]");
                    }
                }

                return (null, "");
            case float[] floats:
                for (int i = 0; i < floats.Length; i++)
                {
                    if (!domain.Contains(floats[i]))
                    {
                        return (NumberProblem(floats[i], domain.Range), $"[{i}]");
                    }
                }

                return (null, "");
            case double[][] rows:
                for (int i = 0; i < rows.Length; i++)
                {
                    var (problem, inner) = FirstBad(rows[i], domain);
                    if (problem is not null)
                    {
                        return (problem, $"[{i}]{inner}");
                    }
                }

                return (null, "");
            case IEnumerable items and not string:
                int index = 0;
                foreach (object? item in items)
                {
                    var (problem, inner) = FirstBad(item, domain);
                    if (problem is not null)
                    {
                        return (problem, $"[{index}]{inner}");
                    }

                    index++;
                }

                return (null, "");
            default:
                return (null, "");
        }
    }

    /// <summary>A range's bounds read once, and the fast test; NumberProblem words the failure.</summary>
    private readonly struct NumberDomain(RangeAttribute? range)
    {
        private readonly double _min = range is null ? double.NegativeInfinity : Bound(range.Minimum);
        private readonly double _max = range is null ? double.PositiveInfinity : Bound(range.Maximum);
        private readonly bool _minExclusive = range?.MinimumIsExclusive ?? false;
        private readonly bool _maxExclusive = range?.MaximumIsExclusive ?? false;

        public RangeAttribute? Range { get; } = range;

        public bool Contains(double number) =>
            double.IsFinite(number)
                ? (_minExclusive ? number > _min : number >= _min) && (_maxExclusive ? number < _max : number <= _max)
                : NumberProblem(number, Range) is null;
    }

    private static string? NumberProblem(double number, RangeAttribute? range)
    {
        double min = range is null ? double.NegativeInfinity : Bound(range.Minimum);
        double max = range is null ? double.PositiveInfinity : Bound(range.Maximum);
        if (double.IsNaN(number))
        {
            return range is null ? "must be a number, got NaN; give a finite number." : $"must be a number {RangeText(range)}, got NaN; give a value in that range.";
        }

        if (double.IsInfinity(number) && !(range is not null && (number == min || number == max)))
        {
            string got = number > 0 ? "infinity" : "-infinity";
            return range is null ? $"must be finite, got {got} (a number too large for a double, such as 1e400, reads as infinity); give a finite number."
                : $"must be {RangeText(range)}, got {got}; give a finite value in that range.";
        }

        if (range is null)
        {
            return null;
        }

        bool below = range.MinimumIsExclusive ? number <= min : number < min;
        bool above = range.MaximumIsExclusive ? number >= max : number > max;
        return below || above ? $"must be {RangeText(range)}, got {Format(number)}; give a value in that range." : null;
    }

    // double.MaxValue and int.MaxValue as bounds mean "no bound, but finite".
    private static double Bound(object bound) => Convert.ToDouble(bound, CultureInfo.InvariantCulture);

    private static bool Unbounded(double bound) => Math.Abs(bound) >= int.MaxValue && !double.IsInfinity(bound);

    private static string RangeText(RangeAttribute range)
    {
        double min = Bound(range.Minimum);
        double max = Bound(range.Maximum);
        string lower = range.MinimumIsExclusive ? "greater than" : "at least";
        string upper = range.MaximumIsExclusive ? "less than" : "at most";
        if (double.IsNegativeInfinity(min) && (double.IsPositiveInfinity(max) || Unbounded(max)))
        {
            return double.IsPositiveInfinity(max) ? "any number, -infinity or infinity" : "any number, or -infinity";
        }

        if (double.IsNegativeInfinity(min))
        {
            return $"{upper} {Format(max)} (-infinity allowed)";
        }

        if (Unbounded(max))
        {
            return $"{lower} {Format(min)}";
        }

        if (double.IsPositiveInfinity(max))
        {
            return $"{lower} {Format(min)} (infinity allowed)";
        }

        if (!range.MinimumIsExclusive && !range.MaximumIsExclusive)
        {
            return $"from {Format(min)} to {Format(max)}";
        }

        return $"{lower} {Format(min)} and {upper} {Format(max)}";
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
