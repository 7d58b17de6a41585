namespace GenPipe.Schedulers;

/// <summary>
/// The <c>uni_pc</c> preset of <see cref="UniPcMultistepScheduler"/>: B(h) = h (<c>solver_type</c> <c>bh1</c>), as
/// ComfyUI's <c>uni_pc</c> sampler uses it. Explicit keys still override it.
/// </summary>
public sealed record UniPcBh1Options : UniPcMultistepSchedulerOptions
{
    /// <summary>Creates the preset.</summary>
    public UniPcBh1Options()
    {
        SolverType = "bh1";
    }
}
