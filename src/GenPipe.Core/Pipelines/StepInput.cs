namespace GenPipe.Core;

/// <summary>One input of a compiled step.</summary>
/// <param name="Name">The input port's name.</param>
/// <param name="Kind">Literal, parameter or step output.</param>
/// <param name="Value">The literal or parameter value, converted to the port's type; null for step outputs.</param>
/// <param name="Reference">The parameter name or the producing step's id; null for literals.</param>
public sealed record StepInput(string Name, StepInputKind Kind, object? Value, string? Reference);
