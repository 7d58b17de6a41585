using GenPipe.Abstractions.Models;
using Xunit.Abstractions;

namespace GenPipe.Testing.Tests;

/// <summary>The encoder conformance facts, run against the reference encoder (which keeps no state, so it may declare ConcurrentUse).</summary>
public sealed class LinearGaussianEncoderConformance(ITestOutputHelper output) : EncoderConformance(output)
{
    protected override IEncoder Create() => new LinearGaussianEncoder();

    protected override IReadOnlyList<int> DataShape => [LinearGaussianEncoder.DataDimension];

    protected override IReadOnlyList<int>? LatentShape => [LinearGaussianEncoder.LatentDimension];

    protected override bool ConcurrentUse => true;
}

/// <summary>The conditioner conformance facts, run against the reference conditioner.</summary>
public sealed class CharacterConditionerConformance(ITestOutputHelper output) : ConditionerConformance(output)
{
    internal static readonly string[] Prompts = ["a red fox", "two cats on a mat", "Zürich at night", "x", "", "an owl", "seven swans"];

    protected override IConditioner Create() => new CharacterConditioner();

    protected override ConditioningInput CreateInput(int batchSize, int seed) =>
        new(Text: [.. Enumerable.Range(0, batchSize).Select(i => Prompts[(seed + i) % Prompts.Length])]);

    protected override bool ConcurrentUse => true;
}
