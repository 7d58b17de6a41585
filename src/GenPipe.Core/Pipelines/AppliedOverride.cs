namespace GenPipe.Core.Pipelines;

/// <summary>A <c>--set</c> override that was applied: its text and the JSON path of the value it replaced.</summary>
internal sealed record AppliedOverride(string Text, string JsonPath);
