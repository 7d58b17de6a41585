using GenPipe.Nn.Models;
using GenPipe.Nn.Tests.Reference;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using Shouldly;
using Xunit;

namespace GenPipe.Nn.Tests;

/// <summary>
/// Modules keep every byte through their backend (weights adopted, activations allocated), on its device, and report
/// exactly that: the reference backend is a device of its own that counts what it hands out, as an accelerator would.
/// </summary>
public sealed class DeviceMemoryTests
{
    [Fact]
    public void A_model_on_another_device_keeps_everything_there_and_reports_what_the_backend_allocated()
    {
        var file = Fixtures.Load("small_unet_reduced");
        var backend = new ReferenceBackend();
        var model = SmallUNet.Load(SmallUNetTests.Reduced, Fixtures.Weights(file), backend, "w.");

        // Weights are copied into the device at load (the CPU backend would keep the mapped file instead).
        var loaded = model.MemoryByDevice().ShouldHaveSingleItem();
        loaded.ShouldBe(new ModuleMemory(ReferenceBackend.DeviceName, model.ParameterCount() * sizeof(float), 0));
        backend.LiveBytes.ShouldBe(loaded.WeightBytes);
        model.NamedParameters().ShouldAllBe(p => p.Value.Value.Storage.Device == ReferenceBackend.DeviceName);

        var output = model.Forward(file.Tensor("input"), file.Floats("timesteps"));
        output.Storage.Device.ShouldBe(ReferenceBackend.DeviceName);
        Fixtures.ShouldMatch(output, file, "output", 1e-4);

        var afterForward = model.MemoryByDevice().ShouldHaveSingleItem();
        afterForward.Device.ShouldBe(ReferenceBackend.DeviceName);
        afterForward.WeightBytes.ShouldBe(loaded.WeightBytes);
        afterForward.BufferBytes.ShouldBeGreaterThan(0);
        (afterForward.WeightBytes + afterForward.BufferBytes).ShouldBe(backend.LiveBytes);

        // The same shapes again reuse the buffers: nothing more is allocated on the device.
        model.Forward(file.Tensor("input"), file.Floats("timesteps"));
        backend.LiveBytes.ShouldBe(afterForward.WeightBytes + afterForward.BufferBytes);
        model.MemoryByDevice().ShouldHaveSingleItem().ShouldBe(afterForward);
    }

    [Fact]
    public void On_the_cpu_weights_stay_in_the_file_and_packing_and_buffers_are_counted_on_the_cpu()
    {
        var file = Fixtures.Load("small_unet_reduced");
        var model = SmallUNet.Load(SmallUNetTests.Reduced, Fixtures.Weights(file), TensorBackends.Cpu, "w.");
        var loaded = model.MemoryByDevice().ShouldHaveSingleItem();
        loaded.Device.ShouldBe(CpuDevice.Name);

        // Parameters as read plus the packed copies the CPU kernels read instead.
        loaded.WeightBytes.ShouldBeGreaterThan(model.ParameterCount() * sizeof(float));
        loaded.WeightBytes.ShouldBe(model.WeightBytes());
        loaded.BufferBytes.ShouldBe(0);

        model.Forward(file.Tensor("input"), file.Floats("timesteps"));
        var afterForward = model.MemoryByDevice().ShouldHaveSingleItem();
        afterForward.BufferBytes.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void A_buffer_moves_to_a_new_backend_device_when_its_module_is_reloaded_there()
    {
        var file = Fixtures.Load("small_unet_reduced");
        var model = SmallUNet.Load(SmallUNetTests.Reduced, Fixtures.Weights(file), TensorBackends.Cpu, "w.");
        model.Forward(file.Tensor("input"), file.Floats("timesteps"));

        var reference = new ReferenceBackend();
        model.LoadWeights(Fixtures.Weights(file), reference, "w.");
        var output = model.Forward(file.Tensor("input"), file.Floats("timesteps"));
        output.Storage.Device.ShouldBe(ReferenceBackend.DeviceName);
        Fixtures.ShouldMatch(output, file, "output", 1e-4);
        model.MemoryByDevice().Select(m => m.Device).ShouldBe([ReferenceBackend.DeviceName]);
    }
}
