using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Cpu;
using GenPipe.Tensors.Threading;
using Xunit;

namespace GenPipe.Tensors.Tests.Kernels;

/// <summary>
/// After warm-up (scratch and job objects created), kernels allocate nothing: measured process-wide, so the worker
/// threads count too, on sizes that fan out over both threads.
/// </summary>
[Collection(GenPipe.Testing.AllocationMeasurement.Name)]
public sealed class AllocationTests
{
    private static readonly CpuBackend Backend = new(new CpuWorkers(2));

    public static TheoryData<string> Kernels() => new() { "attention", "attention_decode", "attention_key_starts", "attention_decode_key_starts", "group_norm_silu", "softmax", "layer_norm", "add", "copy", "concat", "activate", "upsample" };

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Steady_state_allocates_nothing(string kernel)
    {
        Action run = Kernel(kernel);
        for (int i = 0; i < 40; i++)
        {
            run();
        }

        // The counter is process-wide, so the runtime's own background work (tiered JIT recompiling the hot kernels,
        // the test host) can land in a round; a kernel that allocates per call never has a clean round of 10.
        // Finalizers of earlier tests' objects run on their own thread and count too: let them finish first.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long fewest = long.MaxValue;
        for (int round = 0; round < 60 && fewest != 0; round++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < 10; i++)
            {
                run();
            }

            fewest = Math.Min(fewest, GC.GetTotalAllocatedBytes(precise: true) - before);
        }

        Assert.True(fewest == 0, $"{kernel} allocated {fewest} bytes over 10 calls in its best round");
    }

    private static Action Kernel(string name)
    {
        switch (name)
        {
            case "attention":
            {
                TensorView q = ElementwiseTests.Ramp(1, 2, 100, 40), k = ElementwiseTests.Ramp(1, 2, 130, 40), o = Tensor.Zeros(1, 2, 100, 40);
                return () => Backend.Attention(q, k, k, o, 0.1f, causal: true);
            }

            case "attention_decode":
            {
                TensorView q = ElementwiseTests.Ramp(1, 8, 1, 64), k = ElementwiseTests.Ramp(1, 8, 300, 64), o = Tensor.Zeros(1, 8, 1, 64);
                return () => Backend.Attention(q, k, k, o, 0.1f, causal: true);
            }

            case "attention_key_starts":
            {
                TensorView q = ElementwiseTests.Ramp(2, 2, 100, 40), k = ElementwiseTests.Ramp(2, 2, 130, 40), o = Tensor.Zeros(2, 2, 100, 40);
                int[] starts = [3, 70];
                return () => Backend.Attention(q, k, k, o, 0.1f, causal: true, starts);
            }

            case "attention_decode_key_starts":
            {
                TensorView q = ElementwiseTests.Ramp(2, 8, 1, 64), k = ElementwiseTests.Ramp(2, 8, 300, 64), o = Tensor.Zeros(2, 8, 1, 64);
                int[] starts = [0, 12];
                return () => Backend.Attention(q, k, k, o, 0.1f, causal: true, starts);
            }

            case "group_norm_silu":
            {
                TensorView x = ElementwiseTests.Ramp(1, 64, 32, 32), g = Tensor.Full(1f, 64), y = Tensor.Zeros(1, 64, 32, 32);
                return () => Backend.GroupNorm(x, 32, g, g, 1e-5f, y, Activation.Silu);
            }

            case "softmax":
            {
                TensorView x = ElementwiseTests.Ramp(300, 333), y = Tensor.Zeros(300, 333);
                return () => Backend.Softmax(x, y);
            }

            case "layer_norm":
            {
                TensorView x = ElementwiseTests.Ramp(300, 320), g = Tensor.Full(1f, 320), y = Tensor.Zeros(300, 320);
                return () => Backend.LayerNorm(x, g, default, 1e-5f, y);
            }

            case "add":
            {
                TensorView a = ElementwiseTests.Ramp(4, 320, 100), b = ElementwiseTests.Ramp(320, 1), y = Tensor.Zeros(4, 320, 100);
                return () => Backend.Add(a, b, y);
            }

            case "copy":
            {
                // The permuted view is made outside: a Debug build allocates the params array of Permute itself.
                TensorView a = ElementwiseTests.Ramp(1, 300, 8, 40).View.Permute(0, 2, 1, 3), y = Tensor.Zeros(1, 8, 300, 40);
                return () => Backend.Copy(a, y);
            }

            case "concat":
            {
                TensorView a = ElementwiseTests.Ramp(1, 300, 8, 40), y = Tensor.Zeros(1, 600, 8, 40);
                return () => Backend.Concat([a, a], 1, y);
            }

            case "activate":
            {
                TensorView a = ElementwiseTests.Ramp(300, 300), y = Tensor.Zeros(300, 300);
                return () => Backend.Activate(a, y, Activation.Gelu);
            }

            default:
            {
                TensorView a = ElementwiseTests.Ramp(1, 64, 32, 32), y = Tensor.Zeros(1, 64, 64, 64);
                return () => Backend.UpsampleNearest(a, y);
            }
        }
    }
}
