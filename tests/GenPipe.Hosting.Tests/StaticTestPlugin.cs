using GenPipe.Abstractions.Components;
using GenPipe.Abstractions.Operators;
using GenPipe.Abstractions.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace GenPipe.Hosting.Tests;

/// <summary>A plugin the test assembly references statically, as an embedding app would.</summary>
public sealed class StaticTestPlugin : IGenPipePlugin
{
    public void Configure(IGenPipePluginBuilder plugin)
    {
        plugin.Services.AddSingleton(new StaticGreeting("hello from the static plugin"));
        plugin.AddComponent(ComponentDescriptor.Create<StaticGreeting, NoOptions>("static/greeting", "A greeting.", _ => new StaticGreeting("hi")));
        plugin.AddOperator(new NamedOperator("static-op"));
    }
}

/// <summary>A service and component type of <see cref="StaticTestPlugin"/>.</summary>
public sealed record StaticGreeting(string Text);

/// <summary>An operator that only has a name.</summary>
public sealed class NamedOperator(string name) : IPipelineOperator
{
    public OperatorSignature Signature { get; } = new(name, "Does nothing.", [], [], typeof(string));

    public ValueTask<object> ExecuteAsync(OperatorContext context, CancellationToken cancellationToken) => ValueTask.FromResult<object>(name);
}
