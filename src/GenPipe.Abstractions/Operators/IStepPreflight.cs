namespace GenPipe.Abstractions.Operators;

/// <summary>
/// An operator that checks a step before anything runs, beyond the domains of its inputs: limits that depend on a
/// component's options (a scheduler's <c>num_train_timesteps</c> bounds <c>steps</c>), mismatched components, and the
/// memory its output will need. The compiler calls <see cref="Preflight"/> for every step of the operator whose inputs
/// type-checked; an error stops the pipeline before any work, with exit code 2 in the CLI.
/// </summary>
public interface IStepPreflight
{
    /// <summary>The problems and memory needs of one step; empty when there is nothing to say.</summary>
    IEnumerable<PreflightFinding> Preflight(PreflightContext context);
}

/// <summary>What the compiler knows about a step before it runs.</summary>
public abstract class PreflightContext
{
    /// <summary>The step's id.</summary>
    public abstract string StepId { get; }

    /// <summary>
    /// The value of input <paramref name="name"/> when it is known before the run (a literal, a parameter, or the
    /// port's default); false for inputs fed by other steps and for absent optional inputs without a default.
    /// </summary>
    public abstract bool TryGetInput<T>(string name, out T value);

    /// <summary>
    /// The bound options object of the component in <paramref name="slot"/> (of the component's options type), or
    /// null when the slot is empty. No component is created.
    /// </summary>
    public abstract object? GetComponentOptions(string slot);

    /// <summary>
    /// The absolute path of the <c>source</c> of the component in <paramref name="slot"/>, or null when the slot is empty
    /// or the component has none. Nothing is read.
    /// </summary>
    public virtual string? GetComponentSource(string slot) => null;
}

/// <summary>One finding of <see cref="IStepPreflight.Preflight"/>.</summary>
public sealed record PreflightFinding
{
    private PreflightFinding(string subject, string message, bool isWarning, long? requiredBytes)
    {
        Subject = subject;
        Message = message;
        IsWarning = isWarning;
        RequiredBytes = requiredBytes;
    }

    /// <summary>The input (or, when no input has that name, the component slot) the finding is about; empty for the step.</summary>
    public string Subject { get; }

    /// <summary>What is wrong and how to fix it; for a memory need, what the memory holds (e.g. <c>the samples</c>).</summary>
    public string Message { get; }

    /// <summary>True for a warning, which does not stop the pipeline.</summary>
    public bool IsWarning { get; }

    /// <summary>For a memory need: the bytes the step's output needs at least. Null for errors and warnings.</summary>
    public long? RequiredBytes { get; }

    /// <summary>An error: the step cannot run as written.</summary>
    public static PreflightFinding Error(string subject, string message) => new(subject, message, false, null);

    /// <summary>A warning: the step can run, but probably not as meant.</summary>
    public static PreflightFinding Warning(string subject, string message) => new(subject, message, true, null);

    /// <summary>
    /// A memory need: the step needs at least <paramref name="bytes"/> (saturate at <see cref="long.MaxValue"/> rather than
    /// overflow) for <paramref name="what"/>, mostly because of input <paramref name="subject"/>. The host refuses the
    /// step when that exceeds its memory budget, or the machine's memory when no budget is set.
    /// </summary>
    public static PreflightFinding Memory(string subject, long bytes, string what) => new(subject, what, false, bytes);
}
