namespace GenPipe.Nn.Blocks;

/// <summary>The hidden activation of a <see cref="FeedForward"/>, as diffusers' <c>activation_fn</c>.</summary>
public enum FeedForwardActivation
{
    /// <summary><c>"gelu"</c>: <c>gelu(proj(x))</c>.</summary>
    Gelu,

    /// <summary><c>"geglu"</c>: <c>proj</c> is twice as wide; <c>hidden * gelu(gate)</c> of its two halves.</summary>
    Geglu,
}
