using System.Globalization;
using System.Security;
using System.Text;

namespace GenPipe.Bench.SchedulerQuality;

/// <summary>SW2 against evaluations, both axes logarithmic, one line per scheduler, the noise floor as a band.</summary>
internal static class SvgChart
{
    private const double Width = 920;
    private const double Height = 500;
    private const double Left = 70;
    private const double Right = 290;
    private const double Top = 40;
    private const double Bottom = 60;

    // Distinguishable colours (Tableau 20 order: strong then light), enough for every scheduler diffusers has.
    private static readonly string[] Palette =
    [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
        "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
    ];

    public static string Render(BenchReport report, SpacingSection section)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(section);
        var lines = section.Schedulers.Where(s => s.Runs.Count > 0).ToArray();
        var runs = lines.SelectMany(s => s.Runs).ToArray();
        double xMin = Math.Min(report.Options.Budgets.Min(), runs.Length == 0 ? 1 : runs.Min(r => r.Evaluations)) / 1.25;
        double xMax = Math.Max(report.Options.Budgets.Max(), runs.Length == 0 ? 1 : runs.Max(r => r.Evaluations)) * 1.25;
        double yMin = Math.Min(report.Floor.Min, runs.Length == 0 ? report.Floor.Min : runs.Min(r => r.SlicedWasserstein)) / 1.3;
        double yMax = Math.Max(report.Floor.Max, runs.Length == 0 ? report.Floor.Max : runs.Max(r => r.SlicedWasserstein)) * 1.3;
        var plot = new Plot(xMin, xMax, yMin, yMax);

        var svg = new StringBuilder();
        svg.AppendLine(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">"));
        svg.AppendLine(Inv($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>"));
        svg.AppendLine(Inv($"<text x=\"{Left}\" y=\"22\" font-size=\"14\" font-weight=\"bold\">Sliced Wasserstein-2 to the true mixture vs model evaluations ({report.Options.Count} samples, spacing {section.Spacing})</text>"));
        AppendAxes(svg, plot, report.Options.Budgets);
        double floorTop = plot.Y(report.Floor.Max);
        svg.AppendLine(Inv($"<rect x=\"{Left}\" y=\"{floorTop:0.#}\" width=\"{plot.Width:0.#}\" height=\"{plot.Y(report.Floor.Min) - floorTop:0.#}\" fill=\"#000\" fill-opacity=\"0.07\"/>"));
        svg.AppendLine(Inv($"<line x1=\"{Left}\" x2=\"{Left + plot.Width:0.#}\" y1=\"{plot.Y(report.Floor.Mean):0.#}\" y2=\"{plot.Y(report.Floor.Mean):0.#}\" stroke=\"#444\" stroke-dasharray=\"6 4\"/>"));
        svg.AppendLine(Inv($"<text x=\"{Left + 6:0.#}\" y=\"{plot.Y(report.Floor.Min) - 5:0.#}\" text-anchor=\"start\" fill=\"#444\">noise floor: exact vs exact (band: min to max)</text>"));

        for (int i = 0; i < lines.Length; i++)
        {
            string colour = Palette[i % Palette.Length];
            string dash = lines[i].Case.Stochastic ? " stroke-dasharray=\"5 3\"" : "";

            // Earlier lines are drawn wider, so a later line that coincides (DDIM and Euler do) leaves a visible rim.
            double width = lines.Length == 1 ? 2 : 3.5 - (2.0 * i / (lines.Length - 1));
            var points = lines[i].Runs.OrderBy(r => r.Evaluations).Select(r => Inv($"{plot.X(r.Evaluations):0.#},{plot.Y(r.SlicedWasserstein):0.#}"));
            svg.AppendLine($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width.ToString("0.##", CultureInfo.InvariantCulture)}\" stroke-opacity=\"0.9\"{dash} points=\"{string.Join(' ', points)}\"/>");
            foreach (var run in lines[i].Runs)
            {
                svg.AppendLine(Inv($"<circle cx=\"{plot.X(run.Evaluations):0.#}\" cy=\"{plot.Y(run.SlicedWasserstein):0.#}\" r=\"{width + 0.5:0.##}\" fill=\"{colour}\"/>"));
            }

            double legendY = Top + 10 + (i * 20);
            double legendX = Width - Right + 20;
            svg.AppendLine(Inv($"<line x1=\"{legendX}\" x2=\"{legendX + 24}\" y1=\"{legendY}\" y2=\"{legendY}\" stroke=\"{colour}\" stroke-width=\"{width:0.##}\"{dash}/>"));
            // Without the family prefix the longest diffusers names still fit beside the plot.
            string id = lines[i].Case.Id;
            string label = (id.StartsWith("scheduler/", StringComparison.Ordinal) ? id["scheduler/".Length..] : id) + (lines[i].Case.Stochastic ? " (stochastic)" : "");
            svg.AppendLine(Inv($"<text x=\"{legendX + 30}\" y=\"{legendY + 4}\">{SecurityElement.Escape(label)}</text>"));
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static void AppendAxes(StringBuilder svg, Plot plot, IReadOnlyList<int> budgets)
    {
        double bottom = Top + plot.Height;
        svg.AppendLine(Inv($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plot.Width:0.#}\" height=\"{plot.Height:0.#}\" fill=\"none\" stroke=\"#888\"/>"));
        foreach (int budget in budgets)
        {
            double x = plot.X(budget);
            svg.AppendLine(Inv($"<line x1=\"{x:0.#}\" x2=\"{x:0.#}\" y1=\"{Top}\" y2=\"{bottom:0.#}\" stroke=\"#ddd\"/>"));
            svg.AppendLine(Inv($"<text x=\"{x:0.#}\" y=\"{bottom + 18:0.#}\" text-anchor=\"middle\">{budget}</text>"));
        }

        svg.AppendLine(Inv($"<text x=\"{Left + (plot.Width / 2):0.#}\" y=\"{Height - 15}\" text-anchor=\"middle\">model evaluations (NFE, log scale)</text>"));
        for (int decade = (int)Math.Floor(Math.Log10(plot.YMin)); decade <= (int)Math.Ceiling(Math.Log10(plot.YMax)); decade++)
        {
            foreach (double mantissa in new[] { 1.0, 2.0, 5.0 })
            {
                double value = mantissa * Math.Pow(10, decade);
                if (value < plot.YMin || value > plot.YMax)
                {
                    continue;
                }

                double y = plot.Y(value);
                svg.AppendLine(Inv($"<line x1=\"{Left}\" x2=\"{Left + plot.Width:0.#}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\" stroke=\"#ddd\"/>"));
                svg.AppendLine(Inv($"<text x=\"{Left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{value.ToString("0.####", CultureInfo.InvariantCulture)}</text>"));
            }
        }

        svg.AppendLine(Inv($"<text transform=\"translate(18 {Top + (plot.Height / 2):0.#}) rotate(-90)\" text-anchor=\"middle\">SW2 to the true mixture (log scale)</text>"));
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Log-log mapping from data to the plot area.</summary>
    private sealed record Plot(double XMin, double XMax, double YMin, double YMax)
    {
        public double Width => SvgChart.Width - Left - Right;

        public double Height => SvgChart.Height - Top - Bottom;

        public double X(double value) => Left + (Width * (Math.Log(value / XMin) / Math.Log(XMax / XMin)));

        public double Y(double value) => Top + (Height * (1 - (Math.Log(value / YMin) / Math.Log(YMax / YMin))));
    }
}
