namespace GenPipe.Schedulers;

/// <summary>The <c>dpmpp_3m</c> preset of <see cref="DpmSolverMultistepScheduler"/>: DPM-Solver++ 3M. Explicit keys still override it.</summary>
public sealed record DpmSolverMultistepThirdOrderOptions : DpmSolverMultistepSchedulerOptions
{
    /// <summary>Creates the preset.</summary>
    public DpmSolverMultistepThirdOrderOptions()
    {
        SolverOrder = 3;
    }
}
