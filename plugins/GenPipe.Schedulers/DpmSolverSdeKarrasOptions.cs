namespace GenPipe.Schedulers;

/// <summary>The <c>dpmpp_sde_karras</c> preset of <see cref="DpmSolverSdeScheduler"/>: DPM-Solver++ SDE with Karras sigmas. Explicit keys still override it.</summary>
public sealed record DpmSolverSdeKarrasOptions : DpmSolverSdeSchedulerOptions
{
    /// <summary>Creates the preset.</summary>
    public DpmSolverSdeKarrasOptions()
    {
        UseKarrasSigmas = true;
    }
}
