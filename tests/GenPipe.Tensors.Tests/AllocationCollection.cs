using Xunit;

namespace GenPipe.Tensors.Tests;

/// <summary>
/// Tests that read the process-wide allocation counter (GC.GetTotalAllocatedBytes) run in this collection, alone, so
/// that other tests allocating in parallel cannot show up in their measurement.
/// </summary>
[CollectionDefinition(nameof(AllocationCollection), DisableParallelization = true)]
public sealed class AllocationCollection;
