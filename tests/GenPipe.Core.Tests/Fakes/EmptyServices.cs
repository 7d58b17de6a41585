namespace GenPipe.Core.Tests.Fakes;

public sealed class EmptyServices : IServiceProvider
{
    public object? GetService(Type serviceType) => null;
}
