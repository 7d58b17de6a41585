namespace GenPipe.Schedulers;

/// <summary>The <c>dpmpp_2m_sde_karras</c> preset of <see cref="DpmSolverMultistepScheduler"/>: DPM-Solver++ 2M SDE with Karras sigmas. Explicit keys still override it.</summary>
public sealed record DpmSolverMultistepSdeKarrasOptions : DpmSolverMultistepSchedulerOptions
{
    /// <summary>Creates the preset.</summary>
    public DpmSolverMultistepSdeKarrasOptions()
    {
        AlgorithmType = "sde-dpmsolver++";
        UseKarrasSigmas = true;
    }
}
