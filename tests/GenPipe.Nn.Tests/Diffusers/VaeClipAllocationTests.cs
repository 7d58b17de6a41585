using GenPipe.Nn.Models.Clip;
using GenPipe.Nn.Models.Vae;
using GenPipe.Tensors.Cpu;
using GenPipe.Testing;
using Shouldly;
using Xunit;

namespace GenPipe.Nn.Tests.Diffusers;

/// <summary>
/// After a warm-up, AutoencoderKL's encode, sample and decode and ClipTextModel's forward allocate no managed memory
/// on the threads that compute them, as the Module contract promises (see ZeroAllocationTests for the method).
/// </summary>
[Collection(AllocationMeasurement.Name)]
public sealed class VaeClipAllocationTests
{
    [Fact]
    public void Vae_encode_sample_and_decode_after_warm_up_allocate_nothing()
    {
        var io = FixtureFile.Load(Path.Combine(Sd15Fixtures.Folder("vae_kl_tiny"), "io.safetensors"));
        var vae = AutoencoderKL.Load(Sd15Fixtures.Folder("vae_kl_tiny"), TestBackends.Fastest);
        var image = io.Tensor("image");
        var noise = io.Tensor("encode.sample_noise");
        void Run() => vae.Decode(vae.UnscaleLatents(vae.ScaleLatents(vae.Encode(image).Sample(noise))));

        MeasureComputingThreads(Run).ShouldAllBe(bytes => bytes == 0);
        UpstreamMatch.ShouldMatch(vae.Encode(image).Sample(noise), io, "encode.sample");
    }

    [Fact]
    public void Tiled_and_sliced_vae_encode_and_decode_after_warm_up_allocate_nothing()
    {
        var vae = AutoencoderKL.Load(Sd15Fixtures.Folder("vae_kl_tiny"), TestBackends.Fastest);
        vae.EnableTiling();
        vae.Slicing = true;
        var image = new GenPipe.Tensors.TorchGenerator(7).Randn(2, 3, 52, 44);
        var latents = new GenPipe.Tensors.TorchGenerator(8).Randn(2, 4, 26, 22);
        void Run()
        {
            vae.Encode(image);
            vae.Decode(latents);
        }

        MeasureComputingThreads(Run).ShouldAllBe(bytes => bytes == 0);
        vae.TilesImage(52, 44).ShouldBeTrue();
        vae.TilesLatents(26, 22).ShouldBeTrue();
    }

    [Fact]
    public void Clip_forward_and_clip_skip_after_warm_up_allocate_nothing()
    {
        var io = FixtureFile.Load(Path.Combine(Sd15Fixtures.Folder("clip_text_tiny"), "io.safetensors"));
        var model = ClipTextModel.Load(Sd15Fixtures.Folder("clip_text_tiny"), TestBackends.Fastest);
        int[] ids = io.Longs("input_ids").Select(i => (int)i).ToArray();
        void Run()
        {
            model.Forward(ids, 2);
            model.ClipSkip(1);
        }

        MeasureComputingThreads(Run).ShouldAllBe(bytes => bytes == 0);
        UpstreamMatch.ShouldMatch(model.Forward(ids, 2).PooledOutput, io, "pooler_output");
    }

    // Bytes allocated by each of a few calls after two warm-ups, on the caller and the CPU workers, with 2 threads.
    private static long[] MeasureComputingThreads(Action run)
    {
        int previous = CpuBackend.Shared.Workers.Threads;
        CpuBackend.Shared.Workers.Threads = 2;
        try
        {
            run();
            run();
            var probe = new WorkerAllocationProbe(CpuBackend.Shared.Workers);
            probe.Read();
            var bytes = new long[3];
            for (int i = 0; i < bytes.Length; i++)
            {
                long before = probe.Read();
                run();
                bytes[i] = probe.Read() - before;
            }

            return bytes;
        }
        finally
        {
            CpuBackend.Shared.Workers.Threads = previous;
        }
    }
}
