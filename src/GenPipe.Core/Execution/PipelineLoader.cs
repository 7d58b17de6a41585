using System.Text.Json.Nodes;
using GenPipe.Core.Catalog;
using GenPipe.Core.Pipelines;
using Microsoft.Extensions.Logging;

namespace GenPipe.Core.Execution;

/// <summary>Turns pipeline bytes into a <see cref="CompiledPipeline"/>: parse, apply <c>--set</c> overrides, compile.</summary>
internal sealed class PipelineLoader(ComponentCatalog catalog, PipelineEngineOptions options, ILogger logger)
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
