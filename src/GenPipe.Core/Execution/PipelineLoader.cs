using System.Text.Json.Nodes;
using GenPipe.Core.Catalog;
using GenPipe.Core.Memory;
using GenPipe.Core.Pipelines;
using Microsoft.Extensions.Logging;

namespace GenPipe.Core.Execution;

/// <summary>Turns pipeline bytes into a <see cref="CompiledPipeline"/>: parse, apply <c>--set</c> overrides, compile.</summary>
/// <remarks>
/// The compiler also checks that each step's components fit in <paramref name="pool"/>'s budget together, by the sizes
/// the pool knows or estimates, so a budget too small for a step is refused before the run.
/// </remarks>
internal sealed class PipelineLoader(ComponentCatalog catalog, PipelineEngineOptions options, ILogger logger, IComponentPool pool, IServiceProvider services)
{
    public CompiledPipeline Compile(byte[] bytes, string sourceName, string? baseDirectory, IReadOnlyList<string> overrides, CancellationToken cancellationToken)
    {
        ReadOnlySpan<byte> utf8 = bytes;
        if (utf8.StartsWith("\uFEFF"u8))
        {
            utf8 = utf8[3..];
        }

        var document = PipelineDocument.Parse(bytes.AsMemory(bytes.Length - utf8.Length), sourceName, cancellationToken);
        var root = document.Root;
        document.RestoreArraysForOverrides(overrides);
        var overrideErrors = new List<PipelineDiagnostic>();
        var applied = root is JsonObject tree ? PipelineOverrides.Apply(tree, overrides, overrideErrors) : [];
        var diagnostics = new DiagnosticBag(sourceName, document.Map, applied);
        var compiled = new PipelineCompiler(catalog, options.ModelRoots, sourceName, baseDirectory, diagnostics, options.MemoryBudgetBytes, options.PluginProblems)
        {
            Document = document,
            ComponentBytes = component => pool.EstimateBytes(component, services),
            ComponentBudget = pool.BudgetBytes,
        }.Compile(root);
        cancellationToken.ThrowIfCancellationRequested();
        var errors = overrideErrors.Concat(diagnostics.Errors).ToArray();
        if (errors.Length > 0 || compiled is null)
        {
            throw new PipelineValidationException(errors, sourceName);
        }

        foreach (var warning in compiled.Warnings)
        {
            logger.LogWarning("{Warning}", warning.ToString());
        }

        return compiled;
    }

}
