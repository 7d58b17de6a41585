namespace GenPipe.Abstractions.Operators;

/// <summary>
/// What a run is: its pipeline, the parameter values it runs with and the components it uses. Operators that write
/// files record it (as A1111 and ComfyUI record generation parameters in their PNGs), so an output says how it was made.
/// </summary>
/// <param name="Pipeline">The pipeline's name.</param>
/// <param name="Parameters">Each parameter's value (string, int, double or bool), in declaration order.</param>
/// <param name="Components">Each component's name, type id and source (the resolved path, or null).</param>
public sealed record RunDescription(
    string Pipeline,
    IReadOnlyList<KeyValuePair<string, object>> Parameters,
    IReadOnlyList<(string Name, string Type, string? Source)> Components);
