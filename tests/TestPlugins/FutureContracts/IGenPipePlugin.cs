namespace GenPipe.Abstractions.Plugins;

/// <summary>The entry point as a future contract version might declare it.</summary>
public interface IGenPipePlugin
{
    void Configure(object plugin);
}
