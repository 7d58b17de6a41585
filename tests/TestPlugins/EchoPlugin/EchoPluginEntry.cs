using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Plugins;
using GenPipe.Tensors;
using Microsoft.Extensions.DependencyInjection;

namespace EchoPlugin;

/// <summary>A well-behaved plugin: a component, an operator and a service.</summary>
public sealed class EchoPluginEntry : IGenPipePlugin
{
    public void Configure(IGenPipePluginBuilder plugin)
    {
        plugin.Services.AddSingleton(new EchoSuffix("!"));
        plugin.AddComponent(ComponentDescriptor.Create<Func<string, string>, EchoOptions>(
            "test/echo",
            "Repeats its input with a prefix.",
            (options, context, _) =>
            {
                var suffix = context.Services.GetRequiredService<EchoSuffix>();
                return ValueTask.FromResult<Func<string, string>>(text => options.Prefix + text + suffix.Text);
            }));
        plugin.AddComponent(ComponentDescriptor.Create<Tensor, NoOptions>(
            "test/ones", "A 2x3 tensor of ones, made in the plugin.", _ => Tensor.Full(1f, 2, 3)));
        plugin.AddOperator(new EchoOperator());
    }
}
