namespace GenPipe.Schedulers;

/// <summary>The <c>dpmpp_2m_karras</c> preset of <see cref="DpmSolverMultistepScheduler"/>: DPM-Solver++ 2M with Karras sigmas. Explicit keys still override it.</summary>
public sealed record DpmSolverMultistepKarrasOptions : DpmSolverMultistepSchedulerOptions
{
    /// <summary>Creates the preset.</summary>
    public DpmSolverMultistepKarrasOptions()
    {
        UseKarrasSigmas = true;
    }
}
