using GenPipe.Tensors.Backends;
using Shouldly;
using Xunit;
using static GenPipe.Tensors.Tests.Gemm.KernelTestSupport;

namespace GenPipe.Tensors.Tests.Gemm;

[Collection(KernelTestSupport.Collection)]
public sealed class SteadyStateAllocationTests
{
    [Fact]
    public void Repeated_products_and_convolutions_allocate_nothing()
    {
        var a = Random(1, 2, 70, 300);
        var b = Random(2, 300, 130);
        var product = Tensor.Zeros(2, 70, 130);
        var bias = Random(3, 130);
        var residual = Random(4, 2, 70, 130);
        var packed = Backend.PackMatrix(b);
        var rows = Tensor.Zeros(2, 70, 130);
        var image = Random(5, 2, 16, 20, 20);
        var weights = Backend.PackConv2d(Random(6, 24, 16, 3, 3), Conv2dGeometry.Square(1, 1));
        var strided = Backend.PackConv2d(Random(7, 24, 16, 3, 3), Conv2dGeometry.Square(2, 1));
        var pointwise = Backend.PackConv2d(Random(8, 24, 16, 1, 1), Conv2dGeometry.Square(1, 0));
        var convolved = Tensor.Zeros(2, 24, 20, 20);
        var halved = Tensor.Zeros(2, 24, 10, 10);
        var channelBias = Random(9, 24);

        void RunAll()
        {
            Backend.MatMul(a, b, product, new GemmEpilogue(bias, residual: residual, alpha: 0.5f));
            Backend.MatMul(a, b.View.Transpose(0, 1).Transpose(0, 1), product, GemmEpilogue.None);
            Backend.MatMul(a, packed, rows, new GemmEpilogue(bias));
            Backend.Conv2d(image, weights, convolved, new GemmEpilogue(channelBias, residual: convolved));
            Backend.Conv2d(image, strided, halved, new GemmEpilogue(channelBias));
            Backend.Conv2d(image, pointwise, convolved, GemmEpilogue.None);
        }

        foreach (int threads in new[] { 1, 2 })
        {
            MatMulReferenceTests.WithThreads(threads, () =>
            {
                // Past tiered compilation's call counting and background recompiles, which allocate on their own.
                for (int warm = 0; warm < 3; warm++)
                {
                    for (int i = 0; i < 40; i++)
                    {
                        RunAll();
                    }

                    Thread.Sleep(150);
                }

                // GetTotalAllocatedBytes is process-wide, and the test host's own threads allocate steadily in the
                // background (about 8 bytes per round here, with the kernels on one thread, where the calling thread
                // provably allocates nothing). The smallest object is 24 bytes, so staying under 8 bytes per call over
                // 600 calls shows that no call allocates; the calling thread's own counter must be exactly zero.
                const int Rounds = 100;
                const int Calls = Rounds * 6;
                long quietest = long.MaxValue, callingThread = long.MaxValue;
                for (int window = 0; window < 3; window++)
                {
                    long before = GC.GetTotalAllocatedBytes(precise: true);
                    long mine = GC.GetAllocatedBytesForCurrentThread();
                    for (int i = 0; i < Rounds; i++)
                    {
                        RunAll();
                    }

                    callingThread = Math.Min(callingThread, GC.GetAllocatedBytesForCurrentThread() - mine);
                    quietest = Math.Min(quietest, GC.GetTotalAllocatedBytes(precise: true) - before);
                }

                callingThread.ShouldBe(0L, $"bytes allocated on the calling thread by {Calls} calls on {threads} threads");
                quietest.ShouldBeLessThan(8L * Calls, $"bytes allocated in the process by {Calls} calls on {threads} threads");
            });
        }
    }
}
