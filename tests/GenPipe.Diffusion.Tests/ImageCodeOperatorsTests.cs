using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Operators;
using GenPipe.Core.Operators;
using GenPipe.Diffusion.Diffusers;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Testing;
using NSubstitute;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests;

/// <summary>
/// <c>encode_codes</c> and <c>decode_codes</c>: what they ask of the tokenizer (one call with the whole batch), the
/// checks they make before it is called, and the two in a row on autoencoder/vq.
/// </summary>
public sealed class ImageCodeOperatorsTests
{
    [Fact]
    public void The_signatures_name_a_tokenizer_and_take_and_give_tensors()
    {
        var encode = new EncodeCodesOperator().Signature;
        var decode = new DecodeCodesOperator().Signature;

        encode.Name.ShouldBe("encode_codes");
        encode.Components.ShouldHaveSingleItem().ShouldBe(new ComponentSlot("tokenizer", typeof(IImageTokenizer), Description: encode.Components[0].Description));
        encode.Inputs.Select(i => (i.Name, i.Type, i.Required)).ShouldBe([("images", typeof(Tensor), true)]);
        encode.OutputType.ShouldBe(typeof(Tensor));
        decode.Name.ShouldBe("decode_codes");
        decode.Components.ShouldHaveSingleItem().ContractType.ShouldBe(typeof(IImageTokenizer));
        decode.Inputs.Select(i => (i.Name, i.Type, i.Required)).ShouldBe([("codes", typeof(Tensor), true)]);
        decode.OutputType.ShouldBe(typeof(Tensor));
    }

    [Fact]
    public async Task Decode_codes_calls_the_tokenizer_once_with_the_whole_batch()
    {
        var tokenizer = Tokenizer();
        var codes = ImageCodes.ToTensor(Enumerable.Range(0, 3 * 49).Select(i => i % 256).ToArray(), 3);
        var images = Tensor.Zeros(3, 1, 28, 28);
#pragma warning disable CA2012 // NSubstitute's Returns configures the call; the ValueTask is never awaited here.
        tokenizer.DecodeCodesAsync(codes, Arg.Any<CancellationToken>()).Returns(ValueTask.FromResult(images));
#pragma warning restore CA2012

        var result = await new DecodeCodesOperator().ExecuteAsync(DecodeContext(tokenizer, codes), CancellationToken.None);

        result.ShouldBeSameAs(images);
        await tokenizer.Received(1).DecodeCodesAsync(Arg.Any<Tensor>(), Arg.Any<CancellationToken>());
    }

    [Theory]
    [InlineData(300f, "Step 'test': codes[1, 3] is 300; codes are whole numbers from 0 to 255 (the codebook has 256).")]
    [InlineData(-2f, "Step 'test': codes[1, 3] is -2;")]
    [InlineData(7.25f, "Step 'test': codes[1, 3] is 7.25;")]
    public async Task Decode_codes_refuses_a_code_outside_the_codebook_before_decoding(float code, string message)
    {
        var tokenizer = Tokenizer();
        var codes = Tensor.Zeros(2, 49);
        codes.Span[49 + 3] = code;

        var ex = await Should.ThrowAsync<ArgumentException>(
            async () => await new DecodeCodesOperator().ExecuteAsync(DecodeContext(tokenizer, codes), CancellationToken.None));

        ex.Message.ShouldStartWith(message);
        await tokenizer.DidNotReceiveWithAnyArgs().DecodeCodesAsync(default!, default);
    }

    [Fact]
    public async Task Decode_codes_refuses_codes_of_another_length_or_rank()
    {
        var tokenizer = Tokenizer();

        var length = await Should.ThrowAsync<ArgumentException>(
            async () => await new DecodeCodesOperator().ExecuteAsync(DecodeContext(tokenizer, Tensor.Zeros(2, 50)), CancellationToken.None));
        var rank = await Should.ThrowAsync<ArgumentException>(
            async () => await new DecodeCodesOperator().ExecuteAsync(DecodeContext(tokenizer, Tensor.Zeros(2, 7, 7, 1)), CancellationToken.None));

        length.Message.ShouldBe("Step 'test': codes [2, 50] have 50 per image; this tokenizer's 7 x 7 grid takes 49 (or give [N, h, w] for another grid).");
        rank.Message.ShouldContain("codes [2, 7, 7, 1] must be [N, 49] (a 7 x 7 grid, row-major) or [N, h, w]");
        await tokenizer.DidNotReceiveWithAnyArgs().DecodeCodesAsync(default!, default);
    }

    [Fact]
    public async Task Encode_codes_calls_the_tokenizer_once_and_refuses_what_is_no_image_batch()
    {
        var tokenizer = Tokenizer();
        var images = Tensor.Zeros(4, 1, 28, 28);
        var codes = Tensor.Zeros(4, 49);
#pragma warning disable CA2012 // NSubstitute's Returns configures the call; the ValueTask is never awaited here.
        tokenizer.EncodeToCodesAsync(images, Arg.Any<CancellationToken>()).Returns(ValueTask.FromResult(codes));
#pragma warning restore CA2012

        var result = await new EncodeCodesOperator().ExecuteAsync(EncodeContext(tokenizer, images), CancellationToken.None);
        var ex = await Should.ThrowAsync<ArgumentException>(
            async () => await new EncodeCodesOperator().ExecuteAsync(EncodeContext(tokenizer, Tensor.Zeros(4, 28, 28)), CancellationToken.None));

        result.ShouldBeSameAs(codes);
        await tokenizer.Received(1).EncodeToCodesAsync(Arg.Any<Tensor>(), Arg.Any<CancellationToken>());
        ex.Message.ShouldBe("Step 'test': images must be a batch of images [N, C, H, W]; got [4, 28, 28].");
    }

    [Fact]
    public async Task Encoding_then_decoding_codes_on_autoencoder_vq_gives_pytorchs_images()
    {
        var io = FixtureFile.Load(Path.Combine(GenPipe.Diffusion.Tests.Diffusers.VqAutoencoderTests.Folder, "io.safetensors.gz"));
        using var vq = VqAutoencoder.Open("vq", GenPipe.Diffusion.Tests.Diffusers.VqAutoencoderTests.Folder, new VqAutoencoderOptions(), TensorBackends.Cpu);

        var codes = (Tensor)await new EncodeCodesOperator().ExecuteAsync(EncodeContext(vq, io.Tensor("images")), CancellationToken.None);
        var images = (Tensor)await new DecodeCodesOperator().ExecuteAsync(DecodeContext(vq, codes), CancellationToken.None);

        codes.View.ToArray().ShouldBe(io.Longs("indices").Select(i => (float)i).ToArray());
        images.View.ToArray().Zip(io.Floats("decoded_indices"), (a, e) => Math.Abs(a - e)).Max().ShouldBeLessThan(1e-4f);
    }

    private static IImageTokenizer Tokenizer()
    {
        var tokenizer = Substitute.For<IImageTokenizer>();
        tokenizer.CodebookSize.Returns(256);
        tokenizer.CodeGridShape.Returns((7, 7));
        return tokenizer;
    }

    private static FakeOperatorContext EncodeContext(IImageTokenizer tokenizer, Tensor images) =>
        new FakeOperatorContext(new EncodeCodesOperator()).WithComponent("tokenizer", tokenizer).WithInput("images", images);

    private static FakeOperatorContext DecodeContext(IImageTokenizer tokenizer, Tensor codes) =>
        new FakeOperatorContext(new DecodeCodesOperator()).WithComponent("tokenizer", tokenizer).WithInput("codes", codes);
}
