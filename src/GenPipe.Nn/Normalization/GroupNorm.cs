using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Normalization;

/// <summary>
/// Group normalization as PyTorch's <c>nn.GroupNorm</c> (affine): <c>weight</c> and <c>bias</c> [C]. An activation
/// (SiLU in diffusion models) can be fused.
/// </summary>
public sealed class GroupNorm : Module
{
    private readonly ActivationBuffer _output;

    /// <summary>Creates a normalization of <paramref name="channels"/> channels in <paramref name="groups"/> groups.</summary>
    public GroupNorm(int groups, int channels, float epsilon = 1e-5f)
    {
        _output = AddBuffer();
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        if (channels % groups != 0)
        {
            throw new ArgumentException($"{channels} channels do not divide into {groups} groups.", nameof(groups));
        }

        Groups = groups;
        Channels = channels;
        Epsilon = epsilon;
        Weight = AddParameter("weight", channels);
        Bias = AddParameter("bias", channels);
    }

    /// <summary>Channel groups.</summary>
    public int Groups { get; }

    /// <summary>Channels.</summary>
    public int Channels { get; }

    /// <summary>Added to the variance.</summary>
    public float Epsilon { get; }

    /// <summary>The scale [C].</summary>
    public Parameter Weight { get; }

    /// <summary>The shift [C].</summary>
    public Parameter Bias { get; }

    /// <summary>Normalizes <paramref name="input"/> [N, C, ...] into the module's own buffer (valid until its next forward).</summary>
    public TensorView Forward(TensorView input, Activation activation = Activation.None)
    {
        Span<int> shape = stackalloc int[input.Rank];
        input.Shape.CopyTo(shape);
        var output = _output.Get(shape);
        Forward(input, output, activation);
        return output;
    }

    /// <summary>Normalizes <paramref name="input"/> into a caller's contiguous <paramref name="output"/>.</summary>
    public void Forward(TensorView input, TensorView output, Activation activation = Activation.None)
    {
        if (input.Rank < 2 || input.Dim(1) != Channels)
        {
            throw new ArgumentException($"GroupNorm({Groups}, {Channels}) got input {input.Shape}.", nameof(input));
        }

        if (SharedStatistics?.Normalize(this, Backend, input, output, activation) == true)
        {
            return;
        }

        Backend.GroupNorm(input, Groups, Weight.View, Bias.View, Epsilon, output, activation);
    }

    /// <summary>The image statistics that tiles of one image share while a model runs tiled with them; null otherwise.</summary>
    internal SharedGroupNormStatistics? SharedStatistics { get; set; }
}
