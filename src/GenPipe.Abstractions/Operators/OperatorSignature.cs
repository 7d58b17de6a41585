namespace GenPipe.Abstractions.Operators;

/// <summary>What an operator needs and produces.</summary>
/// <param name="Name">The name used as <c>"op"</c> in pipeline JSON.</param>
/// <param name="Description">One line for <c>genpipe list</c>.</param>
/// <param name="Components">The components it uses, named in the step's <c>"with"</c> object.</param>
/// <param name="Inputs">Its inputs, given in the step's <c>"in"</c> object.</param>
/// <param name="OutputType">The type of value it produces.</param>
/// <param name="Cacheable">
/// False for operators with side effects (such as <c>save</c>): they run every time even when their inputs are unchanged.
/// </param>
/// <param name="StreamsOutput">
/// True when the operator reports pieces of its output while it runs (<see cref="OperatorContext.ReportOutput"/>), as
/// <c>generate</c> reports tokens; the CLI then prints them instead of drawing progress bars.
/// </param>
public sealed record OperatorSignature(
    string Name,
    string Description,
    IReadOnlyList<ComponentSlot> Components,
    IReadOnlyList<InputPort> Inputs,
    Type OutputType,
    bool Cacheable = true,
    bool StreamsOutput = false);

/// <summary>A component an operator uses.</summary>
/// <param name="Name">The key in the step's <c>"with"</c> object.</param>
/// <param name="ContractType">The contract the component must implement.</param>
/// <param name="Required">False when the operator works without it.</param>
/// <param name="Description">What it is used for.</param>
public sealed record ComponentSlot(string Name, Type ContractType, bool Required = true, string Description = "");

/// <summary>An operator input.</summary>
/// <param name="Name">The key in the step's <c>"in"</c> object.</param>
/// <param name="Type">
/// The value type: <see cref="string"/>, <see cref="int"/>, <see cref="double"/>, <see cref="bool"/>, or a type
/// produced by another step (e.g. <c>Tensor</c>, <c>Conditioning</c>). An <see cref="int"/> value is accepted where a
/// <see cref="double"/> is expected.
/// </param>
/// <param name="Required">False when <paramref name="Default"/> applies if the input is not given.</param>
/// <param name="Default">The value used when an optional input is not given (null means "absent").</param>
/// <param name="Description">What it means.</param>
/// <remarks>
/// The domain (<see cref="Minimum"/>, <see cref="Maximum"/>, <see cref="AllowedValues"/>, <see cref="Path"/>) is part
/// of the signature: the compiler refuses a literal or parameter value outside it before anything runs, naming the
/// parameter that set it, and <c>genpipe describe</c> shows it. Values that come from other steps are not checked.
/// </remarks>
public sealed record InputPort(string Name, Type Type, bool Required = true, object? Default = null, string Description = "")
{
    /// <summary>The smallest accepted value of a number input (inclusive), or null for no lower bound.</summary>
    public double? Minimum { get; init; }

    /// <summary>The largest accepted value of a number input (inclusive), or null for no upper bound.</summary>
    public double? Maximum { get; init; }

    /// <summary>The accepted values of a string input (compared exactly), or null for any string.</summary>
    public IReadOnlyList<string>? AllowedValues { get; init; }

    /// <summary>What a string input names on disk, if anything; <see cref="PathRule.FileName"/> refuses folders and <c>..</c>.</summary>
    public PathRule Path { get; init; }

    /// <summary>The domain in words, e.g. <c>1 to 1000</c>, <c>one of: png, npy</c>, <c>a plain file name</c>; empty when any value fits.</summary>
    public string DomainText()
    {
        var parts = new List<string>();
        if (Minimum is { } min && Maximum is { } max)
        {
            parts.Add($"{Number(min)} to {Number(max)}");
        }
        else if (Minimum is { } lower)
        {
            parts.Add($"at least {Number(lower)}");
        }
        else if (Maximum is { } upper)
        {
            parts.Add($"at most {Number(upper)}");
        }

        if (AllowedValues is { Count: > 0 } allowed)
        {
            parts.Add("one of: " + string.Join(", ", allowed));
        }

        if (Path == PathRule.FileName)
        {
            parts.Add($"a plain file name (no folders, at most {PathRules.MaxFileNameBytes} bytes)");
        }
        else if (Path == PathRule.InputFile)
        {
            parts.Add("an existing file (relative to the pipeline file, or to the current folder with --set)");
        }

        return string.Join("; ", parts);
    }

    /// <summary>
    /// What is wrong with <paramref name="value"/> for this input, with the fix (e.g. <c>must be at least 1, got 0; give
    /// 1 or more</c>), or null when it lies in the domain. Values of types other than numbers and strings are not checked.
    /// </summary>
    public string? Problem(object? value)
    {
        switch (value)
        {
            case int or long or float or double:
                double number = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
                if (!double.IsFinite(number))
                {
                    return $"must be a finite number, got {Number(number)}; {Fix()}";
                }

                if (Minimum is { } min && number < min || Maximum is { } max && number > max)
                {
                    return $"must be {Range()}, got {Number(number)}; {Fix()}";
                }

                return null;
            case string text:
                if (AllowedValues is { Count: > 0 } allowed && !allowed.Contains(text, StringComparer.Ordinal))
                {
                    return $"must be one of: {string.Join(", ", allowed.Select(a => $"\"{a}\""))}, got \"{text}\"; use one of those";
                }

                return Path switch
                {
                    PathRule.FileName => PathRules.FileNameProblem(text),
                    PathRule.InputFile => PathRules.InputFileProblem(text),
                    _ => null,
                };
            default:
                return null;
        }
    }

    private string Range() =>
        Minimum is { } min && Maximum is { } max ? $"from {Number(min)} to {Number(max)}"
        : Minimum is { } lower ? $"at least {Number(lower)}"
        : Maximum is { } upper ? $"at most {Number(upper)}"
        : "a finite number";

    private string Fix() =>
        Minimum is { } min && Maximum is { } max ? $"give a value from {Number(min)} to {Number(max)}"
        : Minimum is { } lower ? $"give {Number(lower)} or more"
        : Maximum is { } upper ? $"give {Number(upper)} or less"
        : "give a finite number";

    private static string Number(double value) =>
        double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "infinity" : double.IsNegativeInfinity(value) ? "-infinity"
        : value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>What a string input names on disk.</summary>
public enum PathRule
{
    /// <summary>Not a path: any string.</summary>
    None,

    /// <summary>
    /// A plain file name the operator writes into the run's output folder (an extension may be added): not empty, no
    /// folder separators, not <c>.</c> or <c>..</c>, no characters the file system refuses, at most
    /// <see cref="PathRules.MaxFileNameBytes"/> bytes of UTF-8.
    /// </summary>
    FileName,

    /// <summary>
    /// A file the operator reads (an input image): it must exist and not be a folder. A relative path written in the
    /// pipeline file is from that file's folder; one given with <c>--set</c> is from the current folder, where it was typed.
    /// </summary>
    InputFile,
}

/// <summary>The checks behind <see cref="PathRule"/>, shared by the compiler and the operators that write files.</summary>
public static class PathRules
{
    /// <summary>
    /// The longest accepted file name in UTF-8 bytes: file systems allow 255, and operators add an extension such as
    /// <c>.npy</c>.
    /// </summary>
    public const int MaxFileNameBytes = 200;

    /// <summary>What is wrong with <paramref name="name"/> as a plain file name, with the fix, or null when it is fine.</summary>
    public static string? FileNameProblem(string? name)
    {
        const string fix = "give a plain name without folders or extension, e.g. \"samples\"";
        if (string.IsNullOrWhiteSpace(name))
        {
            return $"must be a file name, got an empty one; {fix}";
        }

        if (name is "." or ".." || name.IndexOfAny(['/', '\\']) >= 0)
        {
            return $"must be a plain file name, got \"{Shorten(name)}\" (folders and \"..\" are not allowed); {fix}";
        }

        int bad = name.IndexOfAny(System.IO.Path.GetInvalidFileNameChars());
        if (bad >= 0 || name.Any(char.IsControl))
        {
            return $"must be a plain file name, got \"{Shorten(name)}\" with a character file names cannot hold; {fix}";
        }

        int bytes = System.Text.Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxFileNameBytes)
        {
            return $"is {bytes} bytes long, longer than the {MaxFileNameBytes} a file name may have here; give a shorter name";
        }

        return null;
    }

    /// <summary>What is wrong with <paramref name="path"/> as a file to read, with the fix, or null when the file is there.</summary>
    public static string? InputFileProblem(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return "must name a file to read, got an empty path; give the file's path";
        }

        string full;
        try
        {
            full = System.IO.Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return $"is not a usable path (\"{Shorten(path)}\"); give the file's path";
        }

        if (Directory.Exists(full))
        {
            return $"names a folder, {full}; give a file in it";
        }

        return File.Exists(full)
            ? null
            : $"names no file: {full} does not exist (relative paths are from the current folder, {Environment.CurrentDirectory}); check the path";
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
