using System.Reflection;

namespace GenPipe.Abstractions;

/// <summary>
/// The version of the contracts in this assembly. A plugin records the version it was compiled against (the
/// <c>GenPipe.Abstractions</c> assembly version it references); the host refuses plugins built against a newer one.
/// </summary>
public static class GenPipeContract
{
    /// <summary>The contract version this host provides (major.minor of this assembly's version).</summary>
    public static Version Version { get; } = CurrentVersion();

    /// <summary>The simple name of the contract assembly, as plugins reference it.</summary>
    public const string AssemblyName = "GenPipe.Abstractions";

    /// <summary>
    /// True when code compiled against <paramref name="referenced"/> can run on this host: same major version and
    /// a minor version no newer than the host's.
    /// </summary>
    public static bool IsCompatible(Version referenced)
    {
        ArgumentNullException.ThrowIfNull(referenced);
        return referenced.Major == Version.Major && referenced.Minor <= Version.Minor;
    }

    private static Version CurrentVersion()
    {
        var v = typeof(GenPipeContract).Assembly.GetName().Version ?? new Version(1, 0);
        return new Version(v.Major, v.Minor);
    }
}
