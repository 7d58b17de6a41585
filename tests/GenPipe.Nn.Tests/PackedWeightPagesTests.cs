using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Tensors.SafeTensors;
using GenPipe.Nn.Layers;
using GenPipe.Testing;
using Shouldly;
using Xunit;

namespace GenPipe.Nn.Tests;

/// <summary>
/// Layers that pack their weights let the mapped file's pages go (the packed copy is all Forward reads), so a model's
/// weights are not resident twice; the results are those of the file's values. The mapping's resident size comes from
/// /proc/self/smaps (Linux, where CI runs).
/// </summary>
public sealed class PackedWeightPagesTests
{
    [Fact]
    public void Linear_and_conv_weights_leave_the_process_once_packed_and_compute_as_before()
    {
        Assert.True(OperatingSystem.IsLinux(), "this test reads /proc/self/smaps");
        var random = new Random(7);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var linearWeight = new Tensor(Values(512 * 1024), 512, 1024);
        var convWeight = new Tensor(Values(64 * 256 * 9), 64, 256, 3, 3);
        string path = Path.Combine(Path.GetTempPath(), $"genpipe-nn-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensorsWriter.Write(path, new Dictionary<string, TensorView>
            {
                ["linear.weight"] = linearWeight.View,
                ["conv.weight"] = convWeight.View,
            });
            using var file = SafeTensorsFile.Open(path);
            var source = new SafeTensorsWeightSource(file);
            var linear = new Linear(1024, 512, bias: false);
            linear.LoadWeights(source, TensorBackends.Cpu, "linear.");
            var conv = new Conv2d(256, 64, 3, padding: 1, bias: false);
            conv.LoadWeights(source, TensorBackends.Cpu, "conv.");

            long fileKiB = new FileInfo(path).Length / 1024;
            MappedResidency.ResidentKiB(path).ShouldBeLessThan(fileKiB / 8, $"the {fileKiB} KiB of weights were packed and released");

            var x = new Tensor(Values(3 * 1024), 3, 1024);
            var expected = TensorBackends.Cpu.PackMatrix(linearWeight.View.Transpose(0, 1));
            var reference = Tensor.Zeros(3, 512);
            TensorBackends.Cpu.MatMul(x, expected, reference, GemmEpilogue.None);
            linear.Forward(x.View).ToArray().ShouldBe(reference.View.ToArray(), "the packed copy holds the file's values");

            var image = new Tensor(Values(256 * 8 * 8), 1, 256, 8, 8);
            var convReference = Tensor.Zeros(1, 64, 8, 8);
            TensorBackends.Cpu.Conv2d(image, TensorBackends.Cpu.PackConv2d(convWeight.View, Conv2dGeometry.Square(1, 1)), convReference, GemmEpilogue.None);
            var convOutput = Tensor.Zeros(1, 64, 8, 8);
            conv.Forward(image.View, convOutput.View);
            convOutput.View.ToArray().ShouldBe(convReference.View.ToArray());

            linear.Weight.View.ToArray().ShouldBe(linearWeight.View.ToArray(), "read again, the weights come back from the file");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
