using GenPipe.Nn.Models;
using GenPipe.Nn.Tests.Reference;
using GenPipe.Tensors;
using GenPipe.Tensors.SafeTensors;
using Shouldly;
using Xunit;

namespace GenPipe.Nn.Tests;

public sealed class SafeTensorsWeightSourceTests
{
    [Fact]
    public void A_unet_saved_as_safetensors_loads_by_path_and_matches_torch()
    {
        var fixture = Fixtures.Load("small_unet_reduced");
        string path = Path.Combine(Path.GetTempPath(), $"genpipe-nn-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensorsWriter.Write(path, fixture.Names.Where(n => n.StartsWith("w.", StringComparison.Ordinal))
                .ToDictionary(n => "unet." + n[2..], n => fixture.Tensor(n).View));
            var model = SmallUNet.Load(SmallUNetTests.Reduced, path, TestBackends.Fastest, "unet.");
            Fixtures.ShouldMatch(model.Forward(fixture.Tensor("input"), fixture.Floats("timesteps")), fixture, "output", 1e-4);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Binding_errors_name_the_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"genpipe-nn-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensorsWriter.Write(path, new Dictionary<string, TensorView> { ["conv_in.weight"] = Tensor.Zeros(16, 4, 3, 3).View });
            var ex = Should.Throw<WeightBindingException>(() => SmallUNet.Load(SmallUNetTests.Reduced, path, new ReferenceBackend()));
            ex.Source.ShouldBe(path);
            ex.Message.ShouldContain(path);
            ex.Missing.ShouldContain("conv_in.bias [16]");
            ex.Unexpected.ShouldBeEmpty();
        }
        finally
        {
            File.Delete(path);
        }
    }
}
