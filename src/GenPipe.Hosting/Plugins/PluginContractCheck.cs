using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using GenPipe.Abstractions;

namespace GenPipe.Hosting.Plugins;

/// <summary>
/// Reads which contract version a plugin was compiled against, from its metadata alone: a plugin built for newer
/// contracts must be refused before any of its code is loaded, since loading it would fail in obscure ways later.
/// </summary>
public static class PluginContractCheck
{
    /// <summary>
    /// The <c>GenPipe.Abstractions</c> version the assembly references, or null when it references none.
    /// Throws <see cref="BadImageFormatException"/> when the file is not a .NET assembly.
    /// </summary>
    public static Version? ReadReferencedContractVersion(string assemblyPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(assemblyPath);
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata)
        {
            throw new BadImageFormatException("The file has no .NET metadata (a native library, or not an assembly).", assemblyPath);
        }

        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.AssemblyReferences)
        {
            var reference = metadata.GetAssemblyReference(handle);
            if (metadata.StringComparer.Equals(reference.Name, GenPipeContract.AssemblyName))
            {
                return reference.Version;
            }
        }

        return null;
    }

    /// <summary>
    /// Null when the plugin at <paramref name="assemblyPath"/> can run on this host; otherwise why not, in words a user
    /// can act on. Throws <see cref="BadImageFormatException"/> when the file is not a .NET assembly.
    /// </summary>
    public static string? Check(string pluginName, string assemblyPath)
    {
        ArgumentNullException.ThrowIfNull(pluginName);
        Version? referenced = ReadReferencedContractVersion(assemblyPath);
        Version host = GenPipeContract.Version;
        if (referenced is null)
        {
            return $"Plugin '{pluginName}' ({assemblyPath}) does not reference {GenPipeContract.AssemblyName}, so it has no " +
                "IGenPipePlugin entry point. A plugin folder holds <Id>/<Id>.dll built against GenPipe.Abstractions.";
        }

        if (GenPipeContract.IsCompatible(referenced))
        {
            return null;
        }

        string built = $"{referenced.Major}.{referenced.Minor}";
        string provided = $"{host.Major}.{host.Minor}";
        return referenced.Major > host.Major || (referenced.Major == host.Major && referenced.Minor > host.Minor)
            ? $"Plugin '{pluginName}' ({assemblyPath}) was built against GenPipe contracts {built}, but this host provides " +
              $"{provided}. Update GenPipe, or use a build of the plugin for contracts {host.Major}.x."
            : $"Plugin '{pluginName}' ({assemblyPath}) was built against GenPipe contracts {built}, which this host " +
              $"({provided}) no longer supports. Use a build of the plugin for contracts {host.Major}.x.";
    }
}
