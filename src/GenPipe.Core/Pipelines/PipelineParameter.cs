namespace GenPipe.Core;

/// <summary>A pipeline parameter with its resolved value (the default, or the <c>--set</c> override).</summary>
/// <param name="Name">The key under <c>parameters</c>; steps refer to it as <c>"$name"</c>.</param>
/// <param name="Type">The declared type: <c>string</c>, <c>int</c>, <c>float</c> or <c>bool</c>.</param>
/// <param name="Value">The value: a <see cref="string"/>, <see cref="int"/>, <see cref="double"/> or <see cref="bool"/>.</param>
/// <param name="Description">What it means, for <c>genpipe describe</c>.</param>
public sealed record PipelineParameter(string Name, string Type, object Value, string Description);
