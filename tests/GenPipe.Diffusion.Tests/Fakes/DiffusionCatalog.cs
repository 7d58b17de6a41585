using GenPipe.Core.Catalog;
using GenPipe.Core.Operators;
using GenPipe.Testing;
using Shouldly;

namespace GenPipe.Diffusion.Tests.Fakes;

/// <summary>A catalog builder holding the diffusion plugin's components and operators and the built-in operators, as the host registers them.</summary>
public static class DiffusionCatalog
{
    /// <summary>A new builder with them; tests add their own components before <c>Build()</c>.</summary>
    public static ComponentCatalogBuilder Builder()
    {
        var builder = new ComponentCatalogBuilder();
        var diffusion = RecordingPluginBuilder.Configure(new DiffusionPlugin());
        foreach (var descriptor in diffusion.Components)
        {
            builder.AddComponent(descriptor, CatalogSource.BuiltIn).ShouldBeNull();
        }

        foreach (var op in diffusion.Operators.Concat(BuiltInOperators.All))
        {
            builder.AddOperator(op, CatalogSource.BuiltIn).ShouldBeNull();
        }

        return builder;
    }
}
