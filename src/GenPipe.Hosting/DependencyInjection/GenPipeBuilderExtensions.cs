using GenPipe.Hosting;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Conveniences over <see cref="IGenPipeBuilder"/>.</summary>
public static class GenPipeBuilderExtensions
{
    /// <summary>
    /// Binds <see cref="GenPipeHostOptions"/> from <paramref name="configuration"/> (typically from
    /// <see cref="GenPipeConfiguration.Build"/>), as <see cref="GenPipeConfiguration.Bind"/> does. A bad value surfaces
    /// as <see cref="GenPipeConfigurationException"/> when the options are first resolved.
    /// </summary>
    public static IGenPipeBuilder BindConfiguration(this IGenPipeBuilder builder, IConfiguration configuration, string? basePath = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.Configure<GenPipeHostOptions>(options => GenPipeConfiguration.Bind(configuration, options, basePath));
        return builder;
    }
}
