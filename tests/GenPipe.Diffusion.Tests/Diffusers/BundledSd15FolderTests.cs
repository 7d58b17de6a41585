using GenPipe.Nn.Models.Clip;
using GenPipe.Nn.Models.UNet2DCondition;
using GenPipe.Nn.Models.Vae;
using GenPipe.Text;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests.Diffusers;

/// <summary>
/// The weightless SD 1.5 folder the plugin ships beside its assembly (<c>Sd15/</c>), which a single-file checkpoint
/// is read with: SD 1.5's published architecture and CLIP's full tokenizer.
/// </summary>
public sealed class BundledSd15FolderTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Sd15");

    [Fact]
    public void The_configs_are_sd15s_architecture()
    {
        var unet = UNet2DConditionConfig.Parse(File.ReadAllText(Path.Combine(Folder, "unet", "config.json")), "unet/config.json");
        unet.BlockOutChannels.ShouldBe([320, 640, 1280, 1280]);
        unet.CrossAttentionDim.ShouldAllBe(d => d == 768);

        var vae = AutoencoderKLConfig.Load(Path.Combine(Folder, "vae", "config.json"));
        vae.BlockOutChannels.ShouldBe([128, 256, 512, 512]);
        vae.ScalingFactor.ShouldBe(0.18215f);

        var text = ClipTextConfig.Load(Path.Combine(Folder, "text_encoder", "config.json"));
        (text.HiddenSize, text.NumHiddenLayers, text.NumAttentionHeads, text.VocabSize).ShouldBe((768, 12, 12, 49408));
    }

    [Fact]
    public void The_tokenizer_is_clips_full_vocabulary_and_tokenizes_as_the_reference()
    {
        var tokenizer = ClipTokenizer.Load(Path.Combine(Folder, "tokenizer"));

        tokenizer.VocabularySize.ShouldBe(49408);
        // Ids from CLIP's own simple_tokenizer.py (tests/Fixtures/clip-tokenizer/cases.json).
        int[] ids = tokenizer.EncodeForTextEncoder("A photograph of an astronaut riding a horse");
        ids[..10].ShouldBe([49406, 320, 8853, 539, 550, 18376, 6765, 320, 4558, 49407]);
        ids[10..].ShouldAllBe(id => id == 49407);
    }
}
