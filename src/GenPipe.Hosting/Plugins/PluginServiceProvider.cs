namespace GenPipe.Hosting.Plugins;

/// <summary>
/// The services components see: those that plugins loaded from folders registered (in their own container, since the
/// host's was built before they loaded), falling back to the host's.
/// </summary>
internal sealed class PluginServiceProvider(IServiceProvider plugins, IServiceProvider host) : IServiceProvider, IDisposable
{
    public object? GetService(Type serviceType)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceType == typeof(IServiceProvider))
        {
            return this;
        }

        if (serviceType.IsConstructedGenericType && serviceType.GetGenericTypeDefinition() == typeof(IEnumerable<>))
        {
            // Both containers answer IEnumerable<T> (possibly empty): hand back the union, host first.
            var element = serviceType.GenericTypeArguments[0];
            var all = Enumerate(host.GetService(serviceType)).Concat(Enumerate(plugins.GetService(serviceType))).ToArray();
            var result = Array.CreateInstance(element, all.Length);
            Array.Copy(all, result, all.Length);
            return result;
        }

        return plugins.GetService(serviceType) ?? host.GetService(serviceType);
    }

    public void Dispose() => (plugins as IDisposable)?.Dispose();

    private static IEnumerable<object> Enumerate(object? services) =>
        services is System.Collections.IEnumerable e ? e.Cast<object>() : [];
}
