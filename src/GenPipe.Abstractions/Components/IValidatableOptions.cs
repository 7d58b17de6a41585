namespace GenPipe.Abstractions.Components;

/// <summary>
/// Options that check themselves beyond their types (e.g. "every mean has the same dimension"). The pipeline compiler
/// calls <see cref="Validate"/> before anything runs and reports each problem at its JSON path.
/// </summary>
public interface IValidatableOptions
{
    /// <summary>The problems, empty when the options are sound.</summary>
    IEnumerable<OptionProblem> Validate();
}

/// <summary>A problem with one option.</summary>
/// <param name="Key">The option's JSON key, optionally with an index or sub-path (e.g. <c>means[2]</c>).</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record OptionProblem(string Key, string Message);
