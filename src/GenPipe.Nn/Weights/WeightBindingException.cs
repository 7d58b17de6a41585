using System.Text;

namespace GenPipe.Nn;

/// <summary>
/// The weights of a source do not fit a model. Lists every problem at once (missing, unexpected and mis-shaped
/// weights by full name), so that one attempt shows everything that must be fixed.
/// </summary>
public sealed class WeightBindingException : Exception
{
    /// <summary>Creates the exception from the lists of problems.</summary>
    public WeightBindingException(
        string source, string model, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<WeightShapeMismatch> mismatched)
        : base(Format(source, model, missing, unexpected, mismatched))
    {
        Source = source;
        Model = model;
        Missing = missing;
        Unexpected = unexpected;
        Mismatched = mismatched;
    }

    /// <summary>The weight source (file name).</summary>
    public new string Source { get; }

    /// <summary>The model the weights were bound to.</summary>
    public string Model { get; }

    /// <summary>Weights the model needs that the source lacks, with their expected shapes.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>Weights in the source the model has no parameter for.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>Weights present in both with different shapes.</summary>
    public IReadOnlyList<WeightShapeMismatch> Mismatched { get; }

    private static string Format(
        string source, string model, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<WeightShapeMismatch> mismatched)
    {
        var text = new StringBuilder();
        text.Append($"The weights in {source} do not fit {model}: ")
            .Append($"{missing.Count} missing, {unexpected.Count} unexpected, {mismatched.Count} with the wrong shape.");
        foreach (var name in missing)
        {
            text.Append($"\n  missing:    {name}");
        }

        foreach (var name in unexpected)
        {
            text.Append($"\n  unexpected: {name}");
        }

        foreach (var m in mismatched)
        {
            text.Append($"\n  wrong shape: {m.Name}: the model expects {m.Expected}, the source has {m.Actual}");
        }

        text.Append("\nCheck that the file matches the model's configuration (channels, layers, attention levels).");
        return text.ToString();
    }
}
