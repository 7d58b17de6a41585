namespace GenPipe.Core.Tests.Fakes;

public interface IFakeDenoiser
{
    double Scale { get; }
}

public interface IFakeScheduler
{
    double Eta { get; }
}

public interface IFakeDecoder
{
    FakeImages Decode(FakeLatents latents);
}

/// <summary>What the fake diffuse step produces: a value derived from its inputs so tests can check the flow.</summary>
public sealed record FakeLatents(double Value, int Count);

public sealed record FakeImages(double Value, int Count);

public enum FakePrediction
{
    Epsilon,
    VPrediction,
}
