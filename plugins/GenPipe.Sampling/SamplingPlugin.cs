using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Plugins;

namespace GenPipe.Sampling;

/// <summary>
/// The plugin entry point: registers the token samplers, whose logits processors reproduce transformers'
/// <c>generation/logits_process.py</c> and whose options are <c>GenerationConfig</c>'s keys.
/// </summary>
public sealed class SamplingPlugin : IGenPipePlugin
{
    /// <summary>The id of the transformers-default sampler (greedy unless <c>do_sample</c>).</summary>
    public const string TransformersId = "sampler/transformers";

    /// <summary>The id of the sampler that draws by default.</summary>
    public const string MultinomialId = "sampler/multinomial";

    /// <summary>The component descriptors this plugin registers.</summary>
    public static IReadOnlyList<ComponentDescriptor> Descriptors { get; } =
    [
        Describe<SamplerOptions>(TransformersId, "Token sampler with transformers' GenerationConfig defaults: greedy unless do_sample; repetition penalty, no-repeat n-gram, sequence bias, temperature, top-k, top-p, min-p, typical-p.", []),
        Describe<MultinomialSamplerOptions>(MultinomialId, "Token sampler that draws from the processed distribution (do_sample true by default; same options as sampler/transformers).", ["multinomial"]),
    ];

    /// <inheritdoc />
    public void Configure(IGenPipePluginBuilder plugin)
    {
        ArgumentNullException.ThrowIfNull(plugin);
        foreach (var descriptor in Descriptors)
        {
            plugin.AddComponent(descriptor);
        }
    }

    private static ComponentDescriptor Describe<TOptions>(string id, string description, IReadOnlyList<string> aliases)
        where TOptions : SamplerOptions, new() => new()
    {
        Id = id,
        ContractType = typeof(ISampler),
        OptionsType = typeof(TOptions),
        Description = description,
        Aliases = aliases,
        Factory = (context, _) => ValueTask.FromResult<object>(((TOptions)context.Options).CreateSampler()),
    };
}
