using GenPipe.Testing;
using GenPipe.Nn.Models.UNet2DCondition;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Nn.Tests.Diffusers;

/// <summary>
/// The fixture UNet at latent sizes its levels cannot halve evenly (15x13, 9x16): the downsampler rounds odd sizes up
/// and each up block resizes to the skip it joins next, as diffusers' <c>upsample_size</c> does. The references are
/// PyTorch's (tests/Fixtures/sd15-odd-sizes, made by tools/fixtures/make_unet_odd_size_refs.py on the upstream
/// weights with our PyTorch port, which matches every upstream fixture output to 5.4e-6).
/// </summary>
public sealed class UNet2DConditionOddSizeTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Cases() =>
        from backend in TestBackends.Names()
        from size in new[] { "15x13", "9x16" }
        select new object[] { backend[0], size };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Unet_tiny_matches_pytorch_at_sizes_that_do_not_halve_evenly(string backend, string size)
    {
        var model = UNet2DConditionModel.Load(Sd15Fixtures.Folder("unet_tiny"), TestBackends.Get(backend));
        var refs = FixtureFile.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "sd15-odd-sizes", $"unet_tiny_{size}.safetensors"));
        float[] timesteps = [.. refs.Longs("timesteps").Select(t => (float)t)];

        var result = model.Forward(refs.Tensor("sample"), timesteps, refs.Tensor("encoder_hidden_states"));

        Enumerable.Range(0, result.Rank).Select(result.Dim).ShouldBe(refs.Shape("sample"), "the output has the sample's odd size");
        double worst = UNet2DConditionTests.ShouldMatchAbsolutely(result, refs, "out");
        output.WriteLine($"{backend} {size}: max |dev| {worst:E2}");
    }
}
