using GenPipe.Nn.Layers;
using GenPipe.Nn.Normalization;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn.Blocks;

/// <summary>
/// The residual block of diffusion UNets as diffusers' <c>ResnetBlock2D</c> (default time-embedding norm):
/// <c>conv2(silu(norm2(conv1(silu(norm1(x))) + time_emb_proj(silu(temb))))) + shortcut(x)</c>, where the shortcut is
/// the 1x1 <c>conv_shortcut</c> when the channel count changes.
/// </summary>
/// <remarks>GroupNorm and SiLU run as one kernel, and the shortcut is added in <c>conv2</c>'s epilogue.</remarks>
public sealed class ResnetBlock2D : Module
{
    private readonly ActivationBuffer _tembActivated;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="tembChannels">Time-embedding features; null for a block without time conditioning.</param>
    /// <param name="groups">Group-norm groups (both norms).</param>
    /// <param name="epsilon">Group-norm epsilon.</param>
    public ResnetBlock2D(int inChannels, int outChannels, int? tembChannels, int groups = 32, float epsilon = 1e-5f)
    {
        _tembActivated = AddBuffer();
        InChannels = inChannels;
        OutChannels = outChannels;
        Norm1 = AddChild("norm1", new GroupNorm(groups, inChannels, epsilon));
        Conv1 = AddChild("conv1", new Conv2d(inChannels, outChannels, 3, padding: 1));
        if (tembChannels is int temb)
        {
            TimeEmbProj = AddChild("time_emb_proj", new Linear(temb, outChannels));
        }

        Norm2 = AddChild("norm2", new GroupNorm(groups, outChannels, epsilon));
        Conv2 = AddChild("conv2", new Conv2d(outChannels, outChannels, 3, padding: 1));
        if (inChannels != outChannels)
        {
            ConvShortcut = AddChild("conv_shortcut", new Conv2d(inChannels, outChannels, 1));
        }
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>The first normalization.</summary>
    public GroupNorm Norm1 { get; }

    /// <summary>The first convolution.</summary>
    public Conv2d Conv1 { get; }

    /// <summary>The time-embedding projection, or null.</summary>
    public Linear? TimeEmbProj { get; }

    /// <summary>The second normalization.</summary>
    public GroupNorm Norm2 { get; }

    /// <summary>The second convolution.</summary>
    public Conv2d Conv2 { get; }

    /// <summary>The 1x1 shortcut when the channel count changes, or null.</summary>
    public Conv2d? ConvShortcut { get; }

    /// <summary>
    /// Runs the block on <paramref name="input"/> [B, in, H, W] with the time embedding <paramref name="temb"/>
    /// [B, temb] (none for a block without time conditioning); the [B, out, H, W] result is valid until this block's
    /// next forward.
    /// </summary>
    public TensorView Forward(TensorView input, TensorView temb = default)
    {
        var h = Conv1.Forward(Norm1.Forward(input, Activation.Silu));
        if (TimeEmbProj is not null)
        {
            if (temb.IsNone)
            {
                throw new ArgumentException("This ResnetBlock2D is time-conditioned; pass the time embedding.", nameof(temb));
            }

            var activated = _tembActivated.Get(temb.Dim(0), temb.Dim(1));
            Backend.Activate(temb, activated, Activation.Silu);
            var projected = TimeEmbProj.Forward(activated);
            Backend.Add(h, projected.Reshape(h.Dim(0), OutChannels, 1, 1).BroadcastTo(h.Shape), h);
        }

        var shortcut = ConvShortcut is null ? input : ConvShortcut.Forward(input);
        return Conv2.Forward(Norm2.Forward(h, Activation.Silu), residual: shortcut);
    }
}
