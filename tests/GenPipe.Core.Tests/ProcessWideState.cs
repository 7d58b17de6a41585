using Xunit;

namespace GenPipe.Core.Tests;

/// <summary>Tests that act on the whole process (every live run) and so run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideState
{
    public const string Name = "process-wide state";
}
