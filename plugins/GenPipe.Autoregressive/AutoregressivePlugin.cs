using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Plugins;
using GenPipe.Autoregressive.Gpt2;
using GenPipe.Tensors.Backends;

namespace GenPipe.Autoregressive;

/// <summary>
/// The autoregressive family: <c>model/gpt2</c> (a GPT-2 folder with its tokenizer) and the <c>generate</c> operator.
/// The samplers it uses come from the sampling plugin (<c>sampler/transformers</c>, <c>sampler/multinomial</c>).
/// </summary>
public sealed class AutoregressivePlugin : IGenPipePlugin
{
    /// <summary>The id of the GPT-2 language model component.</summary>
    public const string Gpt2Id = "model/gpt2";

    /// <summary>The component descriptors this plugin registers.</summary>
    public static IReadOnlyList<ComponentDescriptor> Descriptors { get; } =
    [
        new ComponentDescriptor
        {
            Id = Gpt2Id,
            ContractType = typeof(ILanguageModel),
            Description = "GPT-2 language model from a Hugging Face folder: config.json, model.safetensors, vocab.json (+ merges.txt for byte-level BPE).",
            RequiresSource = true,
            Aliases = ["gpt2"],
            EstimateBytes = context => Gpt2LanguageModel.EstimateBytes(context.SourcePath),
            Factory = (context, cancellationToken) =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                string directory = context.SourcePath
                    ?? throw new InvalidOperationException($"Component '{context.Name}' ({Gpt2Id}) needs a \"source\": the model folder.");
                if (!Directory.Exists(directory))
                {
                    throw new DirectoryNotFoundException(
                        $"Component '{context.Name}' ({Gpt2Id}): \"source\" must be a model folder (config.json, model.safetensors, vocab.json); {directory} is not a folder.");
                }

                return ValueTask.FromResult<object>(Gpt2LanguageModel.Load(directory, context.Backend));
            },
        },
    ];

    /// <inheritdoc />
    public void Configure(IGenPipePluginBuilder plugin)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        foreach (var descriptor in Descriptors)
        {
            plugin.AddComponent(descriptor);
        }

        plugin.AddOperator(new GenerateOperator());
    }
}
