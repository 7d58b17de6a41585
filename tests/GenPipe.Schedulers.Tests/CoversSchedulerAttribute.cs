namespace GenPipe.Schedulers.Tests;

/// <summary>
/// Declares which diffusers scheduler a <see cref="SchedulerSpecificationTests{TOptions}"/> subclass covers: the
/// <c>scheduler_class</c> its reference files name, and the file-name prefixes for files that name none.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class CoversSchedulerAttribute(string schedulerClass, params string[] filePrefixes) : Attribute
{
    /// <summary>diffusers' class name, e.g. <c>DDIMScheduler</c>.</summary>
    public string SchedulerClass { get; } = schedulerClass;

    /// <summary>Reference file prefixes, e.g. <c>ddim</c> and <c>ddim_eta1</c>.</summary>
    public IReadOnlyList<string> FilePrefixes { get; } = filePrefixes;

    /// <summary>
    /// True for a scheduler diffusers cannot give references for (e.g. DPMSolverSDEScheduler, whose torchsde noise
    /// GenPipe does not reproduce): the trajectory theory then runs the single case
    /// <see cref="SchedulerReferenceFilesAttribute.NoReferences"/>, and bundling a file it claims is an error.
    /// </summary>
    public bool WithoutReferences { get; init; }

    /// <summary>True when the file at <paramref name="path"/> is a reference for this scheduler.</summary>
    public bool Claims(string path)
    {
        string? className = RefFile.Load(path).SchedulerClass;
        return className is null ? FilePrefixes.Contains(RefFile.PrefixOf(path)) : className == SchedulerClass;
    }
}
