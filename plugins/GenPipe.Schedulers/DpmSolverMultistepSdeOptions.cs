namespace GenPipe.Schedulers;

/// <summary>The <c>dpmpp_2m_sde</c> preset of <see cref="DpmSolverMultistepScheduler"/>: DPM-Solver++ 2M SDE. Explicit keys still override it.</summary>
public sealed record DpmSolverMultistepSdeOptions : DpmSolverMultistepSchedulerOptions
{
    /// <summary>Creates the preset.</summary>
    public DpmSolverMultistepSdeOptions()
    {
        AlgorithmType = "sde-dpmsolver++";
    }
}
