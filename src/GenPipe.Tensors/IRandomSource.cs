namespace GenPipe.Tensors;

/// <summary>
/// A source of random numbers for sampling noise and tokens. The default implementation reproduces PyTorch's CPU
/// generator, so the same seed gives the same noise as <c>torch.manual_seed(s); torch.randn(shape)</c>.
/// </summary>
public interface IRandomSource
{
    /// <summary>Draws a tensor of standard normal values, like <c>torch.randn(shape, generator=g)</c>.</summary>
    Tensor Randn(params int[] shape);

    /// <summary>Draws a uniform value in [0, 1).</summary>
    double NextDouble();
}
