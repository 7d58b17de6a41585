using System.Text.Json;

namespace GenPipe.Nn.Models.UNet2DCondition;

/// <summary>
/// Reads diffusers' <c>UNet2DConditionModel</c> <c>config.json</c> the way diffusers' constructor reads it (missing keys
/// take the class defaults, an int stands for the same value at every level, <c>attention_head_dim</c> is the head count)
/// and refuses every setting the port does not implement, naming the file, key, value and what is supported.
/// </summary>
internal static class UNet2DConditionConfigReader
{
    private const string ClassName = "UNet2DConditionModel";

    // Keys diffusers accepts that change nothing for the block types this port builds (diffusers passes them only to
    // ResnetDownsampleBlock2D, the SimpleCrossAttn blocks or the addition/class embeddings, all refused elsewhere), and
    // dropout, which is identity at inference. Accepting them keeps real configs loadable without ignoring a setting
    // that would matter.
    private static readonly HashSet<string> NoEffectKeys = new(StringComparer.Ordinal)
    {
        "dropout", "resnet_skip_time_act", "cross_attention_norm", "mid_block_only_cross_attention",
        "addition_embed_type_num_heads", "addition_time_embed_dim", "projection_class_embeddings_input_dim",
    };

    public static UNet2DConditionConfig Read(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({ex.Message}).", ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{source}: a diffusers config must be a JSON object.");
            }

            return new Reader(document.RootElement, source).Read();
        }
    }

    private sealed class Reader(JsonElement root, string source)
    {
        private readonly HashSet<string> _read = new(StringComparer.Ordinal);

        public UNet2DConditionConfig Read()
        {
            if (Optional("_class_name") is { ValueKind: JsonValueKind.String } cls && cls.GetString() != ClassName)
            {
                throw new InvalidDataException($"{source}: \"_class_name\" is \"{cls.GetString()}\"; this reader reads {ClassName} configs.");
            }

            RefuseUnless("num_attention_heads", IsNull,
                "null (diffusers itself refuses it and reads attention_head_dim as the number of heads)");
            RefuseUnless("center_input_sample", v => v.ValueKind == JsonValueKind.False, "false");
            RefuseUnless("time_embedding_type", v => IsString(v, "positional"), "\"positional\"");
            RefuseUnless("act_fn", v => IsString(v, "silu") || IsString(v, "swish"), "\"silu\" (or its alias \"swish\")");
            RefuseUnless("resnet_time_scale_shift", v => IsString(v, "default"), "\"default\"");
            RefuseUnless("attention_type", v => IsString(v, "default"), "\"default\"");
            RefuseUnless("dual_cross_attention", v => v.ValueKind == JsonValueKind.False, "false");
            RefuseUnless("only_cross_attention", v => v.ValueKind == JsonValueKind.False
                || (v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.False)), "false");
            RefuseUnless("class_embed_type", IsNull, "null");
            RefuseUnless("num_class_embeds", IsNull, "null");
            RefuseUnless("class_embeddings_concat", v => v.ValueKind == JsonValueKind.False, "false");
            RefuseUnless("addition_embed_type", IsNull, "null (SDXL's \"text_time\" and others are not implemented)");
            RefuseUnless("encoder_hid_dim", IsNull, "null");
            RefuseUnless("encoder_hid_dim_type", IsNull, "null");
            RefuseUnless("time_cond_proj_dim", IsNull, "null");
            RefuseUnless("time_embedding_act_fn", IsNull, "null");
            RefuseUnless("timestep_post_act", IsNull, "null");
            RefuseUnless("reverse_transformer_layers_per_block", IsNull, "null");
            RefuseUnless("downsample_padding", v => IsNumber(v, 1), "1");
            RefuseUnless("mid_block_scale_factor", v => IsNumber(v, 1), "1");
            RefuseUnless("resnet_out_scale_factor", v => IsNumber(v, 1), "1.0");
            RefuseUnless("norm_num_groups", v => v.ValueKind == JsonValueKind.Number, "an integer (null, no output norm, is not implemented)");
            foreach (string key in NoEffectKeys)
            {
                _read.Add(key);
            }

            var defaults = new UNet2DConditionConfig();
            var channels = IntList("block_out_channels", defaults.BlockOutChannels);
            int levels = channels.Length;
            var config = new UNet2DConditionConfig
            {
                InChannels = Int("in_channels", defaults.InChannels),
                OutChannels = Int("out_channels", defaults.OutChannels),
                BlockOutChannels = channels,
                DownBlockTypes = BlockTypes("down_block_types", defaults.DownBlockTypes, levels,
                    UNet2DConditionConfig.DownBlock, UNet2DConditionConfig.CrossAttnDownBlock),
                UpBlockTypes = BlockTypes("up_block_types", defaults.UpBlockTypes, levels,
                    UNet2DConditionConfig.UpBlock, UNet2DConditionConfig.CrossAttnUpBlock),
                MidBlockType = MidBlockType(defaults.MidBlockType),
                LayersPerBlock = PerLevel("layers_per_block", 2, levels),
                AttentionHeads = PerLevel("attention_head_dim", 8, levels),
                CrossAttentionDim = PerLevel("cross_attention_dim", 1280, levels),
                TransformerLayersPerBlock = PerLevel("transformer_layers_per_block", 1, levels),
                UseLinearProjection = Bool("use_linear_projection", false),
                FlipSinToCos = Bool("flip_sin_to_cos", true),
                FreqShift = Float("freq_shift", 0f),
                NormNumGroups = Int("norm_num_groups", defaults.NormNumGroups),
                NormEps = Float("norm_eps", defaults.NormEps),
                TimeEmbeddingDim = NullableInt("time_embedding_dim"),
                ConvInKernel = Int("conv_in_kernel", 3),
                ConvOutKernel = Int("conv_out_kernel", 3),
                UpcastAttention = Bool("upcast_attention", false),
                SampleSize = SampleSize(),
            };

            foreach (var property in root.EnumerateObject())
            {
                if (!property.Name.StartsWith('_') && !_read.Contains(property.Name))
                {
                    throw new NotSupportedException(
                        $"{source}: \"{property.Name}\" is {property.Value.GetRawText()}; GenPipe's {ClassName} does not know this setting, so it cannot tell whether it would change the model.");
                }
            }

            try
            {
                config.Validate();
            }
            catch (ArgumentException ex)
            {
                throw new InvalidDataException($"{source}: {ex.Message}", ex);
            }

            return config;
        }

        private JsonElement? Optional(string key)
        {
            _read.Add(key);
            return root.TryGetProperty(key, out var value) ? value : null;
        }

        private void RefuseUnless(string key, Func<JsonElement, bool> supported, string what)
        {
            if (Optional(key) is { } value && !supported(value))
            {
                throw new NotSupportedException(
                    $"{source}: \"{key}\" is {value.GetRawText()}; GenPipe's {ClassName} supports only {what}.");
            }
        }

        private static bool IsNull(JsonElement v) => v.ValueKind == JsonValueKind.Null;

        private static bool IsString(JsonElement v, string expected) => v.ValueKind == JsonValueKind.String && v.GetString() == expected;

        private static bool IsNumber(JsonElement v, double expected) => v.ValueKind == JsonValueKind.Number && v.GetDouble() == expected;

        private InvalidDataException Invalid(string key, JsonElement value, string expected) =>
            new($"{source}: \"{key}\" is {value.GetRawText()}; expected {expected}.");

        private int AsInt(string key, JsonElement value) =>
            value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) ? n : throw Invalid(key, value, "an integer");

        private int Int(string key, int fallback) => Optional(key) is { } v ? AsInt(key, v) : fallback;

        private int? NullableInt(string key) => Optional(key) is { ValueKind: not JsonValueKind.Null } v ? AsInt(key, v) : null;

        private float Float(string key, float fallback) => Optional(key) switch
        {
            null => fallback,
            { ValueKind: JsonValueKind.Number } v => (float)v.GetDouble(),
            { } v => throw Invalid(key, v, "a number"),
        };

        private bool Bool(string key, bool fallback) => Optional(key) switch
        {
            null => fallback,
            { ValueKind: JsonValueKind.True } => true,
            { ValueKind: JsonValueKind.False } => false,
            { } v => throw Invalid(key, v, "true or false"),
        };

        private int[] IntList(string key, IReadOnlyList<int> fallback) => Optional(key) switch
        {
            null => [.. fallback],
            { ValueKind: JsonValueKind.Array } v => [.. v.EnumerateArray().Select(e => AsInt(key, e))],
            { } v => throw Invalid(key, v, "a list of integers"),
        };

        // diffusers' "int or one entry per level" settings (an int repeats at every level).
        private int[] PerLevel(string key, int fallback, int levels)
        {
            var value = Optional(key);
            if (value is null or { ValueKind: JsonValueKind.Number })
            {
                return Enumerable.Repeat(value is { } v ? AsInt(key, v) : fallback, levels).ToArray();
            }

            if (value.Value.ValueKind != JsonValueKind.Array)
            {
                throw Invalid(key, value.Value, "an integer or a list of integers, one per level");
            }

            if (value.Value.EnumerateArray().Any(e => e.ValueKind == JsonValueKind.Array))
            {
                throw new NotSupportedException(
                    $"{source}: \"{key}\" is {value.Value.GetRawText()}; GenPipe's {ClassName} supports an integer or one integer per level, not per-layer lists.");
            }

            int[] values = [.. value.Value.EnumerateArray().Select(e => AsInt(key, e))];
            return values.Length == levels ? values
                : throw Invalid(key, value.Value, $"one entry per level ({levels}, as block_out_channels)");
        }

        private string[] BlockTypes(string key, IReadOnlyList<string> fallback, int levels, params string[] supported)
        {
            var value = Optional(key);
            if (value is { ValueKind: not JsonValueKind.Array })
            {
                throw Invalid(key, value.Value, "a list of block type names");
            }

            string[] types = value is null ? [.. fallback]
                : [.. value.Value.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Invalid(key, e, "a block type name"))];
            for (int i = 0; i < types.Length; i++)
            {
                // diffusers strips this historical prefix before looking the type up.
                string type = types[i].StartsWith("UNetRes", StringComparison.Ordinal) ? types[i][7..] : types[i];
                if (!supported.Contains(type))
                {
                    throw new NotSupportedException(
                        $"{source}: \"{key}\"[{i}] is \"{types[i]}\"; GenPipe's {ClassName} supports {string.Join(" and ", supported.Select(s => $"\"{s}\""))}.");
                }

                types[i] = type;
            }

            return types.Length == levels ? types
                : throw new InvalidDataException($"{source}: \"{key}\" has {types.Length} entries but block_out_channels has {levels} levels; they must match.");
        }

        private string? MidBlockType(string? fallback) => Optional("mid_block_type") switch
        {
            null => fallback,
            { ValueKind: JsonValueKind.Null } => null,
            { ValueKind: JsonValueKind.String } v when v.GetString() == UNet2DConditionConfig.MidBlockCrossAttn => v.GetString(),
            { } v => throw new NotSupportedException(
                $"{source}: \"mid_block_type\" is {v.GetRawText()}; GenPipe's {ClassName} supports \"{UNet2DConditionConfig.MidBlockCrossAttn}\" or null (no mid block)."),
        };

        private int? SampleSize() => Optional("sample_size") switch
        {
            { ValueKind: JsonValueKind.Number } v => AsInt("sample_size", v),
            { ValueKind: JsonValueKind.Array } v when v.GetArrayLength() == 2 && v[0].ValueKind == JsonValueKind.Number
                && v[0].TryGetInt32(out int h) && v[1].TryGetInt32(out int w) && h == w => h,
            _ => null,
        };
    }
}
