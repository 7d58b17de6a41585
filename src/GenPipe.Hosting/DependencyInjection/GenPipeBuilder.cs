using GenPipe.Abstractions.Plugins;
using GenPipe.Core.Catalog;
using GenPipe.Hosting.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace GenPipe.Hosting;

internal sealed class GenPipeBuilder(IServiceCollection services, GenPipeRegistrationState state) : IGenPipeBuilder
{
    public IServiceCollection Services { get; } = services;

    public IGenPipeBuilder AddPlugin<TPlugin>()
        where TPlugin : IGenPipePlugin, new()
    {
        if (!state.StaticPluginTypes.Add(typeof(TPlugin)))
        {
            return this;
        }

        var assemblyName = typeof(TPlugin).Assembly.GetName();
        var registrations = new PluginRegistrations(new CatalogSource(assemblyName.Name ?? typeof(TPlugin).Name), Services)
        {
            Version = assemblyName.Version,
        };
        new TPlugin().Configure(registrations);
        state.StaticPlugins.Add(registrations);
        return this;
    }

    public IGenPipeBuilder AddPluginsFrom(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        state.PluginPaths.Add(Path.GetFullPath(path));
        return this;
    }
}
