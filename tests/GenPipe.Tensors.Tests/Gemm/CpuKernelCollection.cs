using Xunit;

namespace GenPipe.Tensors.Tests.Gemm;

/// The GEMM and convolution tests run alone, after the parallel tests: they share one worker set whose thread count
/// they change, they allocate enough to disturb other tests' process-wide allocation counters, and the allocation
/// test among them needs a quiet process itself.
[CollectionDefinition(KernelTestSupport.Collection, DisableParallelization = true)]
public sealed class CpuKernelCollection;
