using GenPipe.Abstractions.Operators;
using GenPipe.Core.Imaging;
using GenPipe.Core.Operators;
using GenPipe.Diffusion.Tests.Fakes;
using GenPipe.Tensors;
using GenPipe.Testing;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;
using Shouldly;
using Xunit;

namespace GenPipe.Diffusion.Tests;

public sealed class SaveOperatorTests
{
    // Format magics, true of any writer of these formats (not tied to one implementation's output).
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] NpyMagic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    [Fact]
    public async Task A_renderer_a_plugin_registered_draws_a_shape_the_host_has_no_picture_for()
    {
        var renderer = Substitute.For<ISampleRenderer>();
        renderer.CanRender(Arg.Is<Tensor>(t => t.Rank == 2 && t.Dim(1) == 3)).Returns(true);
        renderer.Render(Arg.Any<Tensor>()).Returns(new RenderedImage(2, 1, [255, 0, 0, 0, 0, 255]));
        var samples = Tensor.Zeros(5, 3);
        var context = SaveContext(samples).WithServices(new ServiceCollection()
            .AddSingleton(renderer).BuildServiceProvider());

        await new SaveOperator().ExecuteAsync(context, CancellationToken.None);

        renderer.Received(1).Render(samples);
        context.Sink.Files.Select(f => f.FileName).ShouldBe(["samples.npy", "samples.png"]);
        var png = PngReader.Read(new MemoryStream(context.Sink.Files[1].Content));
        (png.Width, png.Height).ShouldBe((2, 1));
        png.Pixels.ShouldBe([255, 0, 0, 0, 0, 255]);
    }

    [Fact]
    public async Task PointsBecomeNpyAndAScatterPlotPng()
    {
        var context = SaveContext(Tensor.Zeros(10, 2));

        var paths = (string[])await new SaveOperator().ExecuteAsync(context, CancellationToken.None);

        paths.ShouldBe([FakeArtifactSink.OutputFolder + "/samples.npy", FakeArtifactSink.OutputFolder + "/samples.png"]);
        context.Sink.Files.Select(f => f.FileName).ShouldBe(["samples.npy", "samples.png"]);
        context.Sink.Files[0].Content.Take(6).ShouldBe(NpyMagic);
        context.Sink.Files[1].Content.Take(8).ShouldBe(PngSignature);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task ImagesWithOneOrThreeChannelsBecomeAGrid(int channels)
    {
        var context = SaveContext(Tensor.Zeros(4, channels, 8, 8)).WithInput("name", "digits");

        var paths = (string[])await new SaveOperator().ExecuteAsync(context, CancellationToken.None);

        paths.Select(Path.GetFileName).ShouldBe(["digits.npy", "digits.png"]);
    }

    [Fact]
    public async Task NpyAloneWritesOneFile()
    {
        var context = SaveContext(Tensor.Zeros(3, 2)).WithInput("format", "npy");

        var paths = (string[])await new SaveOperator().ExecuteAsync(context, CancellationToken.None);

        paths.Select(Path.GetFileName).ShouldBe(["samples.npy"]);
    }

    [Fact]
    public async Task PngAloneWritesOneFile()
    {
        var context = SaveContext(Tensor.Zeros(3, 2)).WithInput("format", "png");

        var paths = (string[])await new SaveOperator().ExecuteAsync(context, CancellationToken.None);

        paths.Select(Path.GetFileName).ShouldBe(["samples.png"]);
    }

    [Theory]
    [InlineData(new[] { 5, 3 })]
    [InlineData(new[] { 5, 1 })]
    [InlineData(new[] { 2, 4, 8, 8 })]
    [InlineData(new[] { 7 })]
    public async Task ShapesWithoutAPictureKeepTheirNpy(int[] shape)
    {
        var context = SaveContext(Tensor.Zeros(shape));

        var paths = (string[])await new SaveOperator().ExecuteAsync(context, CancellationToken.None);

        paths.Select(Path.GetFileName).ShouldBe(["samples.npy"]);
    }

    [Fact]
    public async Task PngAloneForAShapeWithoutAPictureFailsBeforeWriting()
    {
        var context = SaveContext(Tensor.Zeros(5, 3)).WithInput("format", "png");

        var error = await Should.ThrowAsync<InvalidOperationException>(async () => await new SaveOperator().ExecuteAsync(context, CancellationToken.None));

        error.Message.ShouldContain("[5, 3]");
        error.Message.ShouldContain("\"format\": \"npy\"");
        context.Sink.Files.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("jpg")]
    [InlineData("png+")]
    [InlineData("")]
    public async Task UnknownFormatsAreRejected(string format)
    {
        var context = SaveContext(Tensor.Zeros(3, 2)).WithInput("format", format);

        var error = await Should.ThrowAsync<ArgumentException>(async () => await new SaveOperator().ExecuteAsync(context, CancellationToken.None));

        error.Message.ShouldContain("\"png+npy\"");
        context.Sink.Files.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("dir/name")]
    [InlineData("..")]
    [InlineData(" ")]
    public async Task NamesWithFoldersAreRejected(string name)
    {
        var context = SaveContext(Tensor.Zeros(3, 2)).WithInput("name", name);

        var error = await Should.ThrowAsync<ArgumentException>(async () => await new SaveOperator().ExecuteAsync(context, CancellationToken.None));

        error.Message.ShouldContain("give a plain name without folders or extension");
        error.Message.ShouldNotContain("(Parameter");
    }

    [Fact]
    public void SaveIsNotCacheable()
    {
        var signature = new SaveOperator().Signature;

        signature.Name.ShouldBe("save");
        signature.Cacheable.ShouldBeFalse();
        signature.OutputType.ShouldBe(typeof(string[]));
        signature.Components.ShouldBeEmpty();
        signature.Inputs.Select(i => (i.Name, i.Type, i.Required, i.Default)).ShouldBe(
        [
            ("samples", typeof(Tensor), true, (object?)null),
            ("name", typeof(string), false, "samples"),
            ("format", typeof(string), false, "png+npy"),
            ("npy_range", typeof(string), false, "raw"),
        ]);
    }

    [Fact]
    public async Task Npy_range_0_1_writes_images_as_diffusers_output_type_np_and_the_png_is_the_same()
    {
        var images = new Tensor([-3f, -1f, -0.25f, 0f, 0.5f, 1f, 3f, 0.999f, -0.999f], 1, 1, 3, 3);
        var raw = SaveContext(images).WithInput("name", "raw");
        var unit = SaveContext(images).WithInput("name", "unit").WithInput("npy_range", "0-1");

        await new SaveOperator().ExecuteAsync(raw, CancellationToken.None);
        await new SaveOperator().ExecuteAsync(unit, CancellationToken.None);

        // (x / 2 + 0.5).clamp(0, 1) in float32; the data are the file's last 36 bytes, little-endian float32.
        float[] expected = [0f, 0f, 0.375f, 0.5f, 0.75f, 1f, 1f, (0.999f / 2f) + 0.5f, (-0.999f / 2f) + 0.5f];
        var npy = unit.Sink.Files[0].Content;
        Floats(npy[^36..]).ShouldBe(expected);
        Floats(raw.Sink.Files[0].Content[^36..]).ShouldBe(images.View.ToArray());
        unit.Sink.Files[1].Content.ShouldBe(raw.Sink.Files[1].Content.ToArray(), "the picture does not depend on the npy's range");
        images.View.ToArray()[0].ShouldBe(-3f, "the samples are left alone");
    }

    private static float[] Floats(byte[] bytes) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();

    private static FakeOperatorContext SaveContext(Tensor samples) =>
        new FakeOperatorContext(new SaveOperator()).WithInput("samples", samples);
}
