using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Models.Clip;

/// <summary>
/// The shape of a <see cref="ClipTextModel"/>, named and defaulted as transformers' <c>CLIPTextConfig</c> (and so its
/// <c>config.json</c>). Stable Diffusion 1.x's text encoder (OpenAI CLIP ViT-L/14) is hidden_size 768, 12 layers,
/// 12 heads, intermediate_size 3072, quick_gelu, eos_token_id 2 in its config.
/// </summary>
/// <remarks><c>projection_dim</c> belongs to the projection head that <c>CLIPTextModel</c> does not have, and is ignored.</remarks>
public sealed record ClipTextConfig
{
    /// <summary>The <c>model_type</c> of a text-encoder config.</summary>
    public const string ModelType = "clip_text_model";

    /// <summary>Token ids (<c>vocab_size</c>).</summary>
    public int VocabSize { get; init; } = 49408;

    /// <summary>Token features (<c>hidden_size</c>).</summary>
    public int HiddenSize { get; init; } = 512;

    /// <summary>The MLP's hidden width (<c>intermediate_size</c>).</summary>
    public int IntermediateSize { get; init; } = 2048;

    /// <summary>Encoder layers (<c>num_hidden_layers</c>).</summary>
    public int NumHiddenLayers { get; init; } = 12;

    /// <summary>Attention heads (<c>num_attention_heads</c>).</summary>
    public int NumAttentionHeads { get; init; } = 8;

    /// <summary>Learned positions, the longest sequence (<c>max_position_embeddings</c>).</summary>
    public int MaxPositionEmbeddings { get; init; } = 77;

    /// <summary>The MLP activation (<c>hidden_act</c>): <c>quick_gelu</c> (OpenAI CLIP) or <c>gelu</c> (OpenCLIP, SD 2.x).</summary>
    public string HiddenAct { get; init; } = "quick_gelu";

    /// <summary>Every layer norm's epsilon (<c>layer_norm_eps</c>).</summary>
    public float LayerNormEps { get; init; } = 1e-5f;

    /// <summary>The start-of-text id (<c>bos_token_id</c>); for tokenizers, the model does not use it.</summary>
    public int BosTokenId { get; init; } = 49406;

    /// <summary>
    /// The end-of-text id (<c>eos_token_id</c>), which picks the pooled position. The value 2 (what older configs,
    /// SD 1.x's included, carry) selects the legacy rule; see <see cref="UsesLegacyPooling"/>.
    /// </summary>
    public int EosTokenId { get; init; } = 49407;

    /// <summary>The padding id (<c>pad_token_id</c>); for tokenizers, the model does not use it.</summary>
    public int PadTokenId { get; init; } = 1;

    /// <summary>Features per head.</summary>
    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>
    /// True when <see cref="EosTokenId"/> is 2: transformers then pools at the first position of the largest id in
    /// each row (end-of-text is CLIP's largest id), as before its configs carried the real end-of-text id; otherwise
    /// at the first position equal to <see cref="EosTokenId"/>.
    /// </summary>
    public bool UsesLegacyPooling => EosTokenId == 2;

    /// <summary>The kernel activation of <see cref="HiddenAct"/>.</summary>
    /// <exception cref="ArgumentException">An activation other than quick_gelu or gelu.</exception>
    public Activation MlpActivation => HiddenAct switch
    {
        "quick_gelu" => Activation.QuickGelu,
        "gelu" => Activation.Gelu,
        _ => throw new ArgumentException($"hidden_act is \"{HiddenAct}\"; only \"quick_gelu\" and \"gelu\" are supported."),
    };

    /// <summary>Checks that the numbers fit together.</summary>
    /// <exception cref="ArgumentException">A field is out of range or the activation unknown; the message starts with the config key.</exception>
    public void Validate()
    {
        _ = MlpActivation;
        Require(VocabSize >= 1, $"vocab_size is {VocabSize}; it must be at least 1.");
        Require(NumAttentionHeads >= 1, $"num_attention_heads is {NumAttentionHeads}; it must be at least 1.");
        Require(
            HiddenSize >= 1 && HiddenSize % NumAttentionHeads == 0,
            $"hidden_size {HiddenSize} must be a positive multiple of num_attention_heads {NumAttentionHeads}.");
        Require(IntermediateSize >= 1, $"intermediate_size is {IntermediateSize}; it must be at least 1.");
        Require(NumHiddenLayers >= 1, $"num_hidden_layers is {NumHiddenLayers}; it must be at least 1.");
        Require(MaxPositionEmbeddings >= 1, $"max_position_embeddings is {MaxPositionEmbeddings}; it must be at least 1.");
        Require(LayerNormEps > 0, $"layer_norm_eps is {LayerNormEps}; it must be positive.");
    }

    /// <summary>Reads a transformers <c>CLIPTextModel</c> <c>config.json</c>.</summary>
    /// <exception cref="InvalidDataException">Not valid JSON, a field is mistyped, or the model is not supported; the message names the file and key.</exception>
    public static ClipTextConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Reads the text of a <c>CLIPTextModel</c> config; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">Not valid JSON, a field is mistyped, or the model is not supported; the message names the source and key.</exception>
    public static ClipTextConfig Parse(string json, string source = "config.json")
    {
        using var reader = JsonConfigReader.Parse(json, source);
        string modelType = reader.String("model_type", ModelType);
        if (modelType != ModelType)
        {
            throw reader.Error("model_type", $"is \"{modelType}\"; this reader takes a text encoder's config (\"{ModelType}\").");
        }

        var defaults = new ClipTextConfig();
        var config = new ClipTextConfig
        {
            VocabSize = reader.Int("vocab_size", defaults.VocabSize),
            HiddenSize = reader.Int("hidden_size", defaults.HiddenSize),
            IntermediateSize = reader.Int("intermediate_size", defaults.IntermediateSize),
            NumHiddenLayers = reader.Int("num_hidden_layers", defaults.NumHiddenLayers),
            NumAttentionHeads = reader.Int("num_attention_heads", defaults.NumAttentionHeads),
            MaxPositionEmbeddings = reader.Int("max_position_embeddings", defaults.MaxPositionEmbeddings),
            HiddenAct = reader.String("hidden_act", defaults.HiddenAct),
            LayerNormEps = reader.Float("layer_norm_eps", defaults.LayerNormEps),
            BosTokenId = reader.Int("bos_token_id", defaults.BosTokenId),
            EosTokenId = reader.Int("eos_token_id", defaults.EosTokenId),
            PadTokenId = reader.Int("pad_token_id", defaults.PadTokenId),
        };

        return reader.Validated(config, c => c.Validate());
    }

    private static void Require(bool condition, string message) => JsonConfigReader.Require(condition, message);
}
