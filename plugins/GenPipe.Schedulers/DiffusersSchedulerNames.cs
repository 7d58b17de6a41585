namespace GenPipe.Schedulers;

/// <summary>
/// Maps diffusers' scheduler class names (the <c>_class_name</c> of a <c>scheduler_config.json</c>) to GenPipe
/// component ids, so a diffusers model folder can be loaded with the scheduler it was published with.
/// </summary>
public static class DiffusersSchedulerNames
{
    private static readonly Dictionary<string, string> IdsByClassName = new(StringComparer.Ordinal)
    {
        ["DDIMScheduler"] = DdimScheduler.ComponentId,
        ["DDPMScheduler"] = DdpmScheduler.ComponentId,
        ["EulerDiscreteScheduler"] = EulerDiscreteScheduler.ComponentId,
        ["DPMSolverMultistepScheduler"] = DpmSolverMultistepScheduler.ComponentId,
        ["DPMSolverSinglestepScheduler"] = DpmSolverSinglestepScheduler.ComponentId,
        ["DEISMultistepScheduler"] = DeisMultistepScheduler.ComponentId,
        ["UniPCMultistepScheduler"] = UniPcMultistepScheduler.ComponentId,
        ["LCMScheduler"] = LcmScheduler.ComponentId,
        ["TCDScheduler"] = TcdScheduler.ComponentId,
        ["EulerAncestralDiscreteScheduler"] = EulerAncestralDiscreteScheduler.ComponentId,
        ["HeunDiscreteScheduler"] = HeunDiscreteScheduler.ComponentId,
        ["KDPM2DiscreteScheduler"] = KDpm2DiscreteScheduler.ComponentId,
        ["KDPM2AncestralDiscreteScheduler"] = KDpm2AncestralDiscreteScheduler.ComponentId,
        ["DPMSolverSDEScheduler"] = DpmSolverSdeScheduler.ComponentId,
        ["LMSDiscreteScheduler"] = LmsDiscreteScheduler.ComponentId,
        ["PNDMScheduler"] = PndmScheduler.ComponentId,
        ["FlowMatchEulerDiscreteScheduler"] = FlowMatchEulerDiscreteScheduler.ComponentId,
    };

    /// <summary>The diffusers class names with a GenPipe scheduler, and the ids they map to.</summary>
    public static IReadOnlyDictionary<string, string> All => IdsByClassName;

    /// <summary>The GenPipe id for a diffusers class name, or null when GenPipe has no such scheduler yet.</summary>
    public static string? ToComponentId(string className)
    {
        ArgumentNullException.ThrowIfNull(className);
        return IdsByClassName.GetValueOrDefault(className);
    }

    /// <summary>The diffusers class name of a GenPipe scheduler id, or null when it has none.</summary>
    public static string? ToClassName(string componentId)
    {
        ArgumentNullException.ThrowIfNull(componentId);
        foreach (var (className, id) in IdsByClassName)
        {
            if (id == componentId)
            {
                return className;
            }
        }

        return null;
    }
}
