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
public sealed record InputPort(string Name, Type Type, bool Required = true, object? Default = null, string Description = "");
