namespace GenPipe.Tensors.Backends;

/// <summary>An elementwise activation, applied on its own or fused into a kernel's epilogue.</summary>
public enum Activation
{
    /// <summary>Identity.</summary>
    None = 0,

    /// <summary>max(x, 0).</summary>
    Relu,

    /// <summary>x * sigmoid(x) (also called swish).</summary>
    Silu,

    /// <summary>Exact GELU: x * Φ(x) with the error function (PyTorch's default <c>gelu</c>).</summary>
    Gelu,

    /// <summary>GELU's tanh approximation (PyTorch's <c>approximate="tanh"</c>, GPT-2's <c>gelu_new</c>).</summary>
    GeluTanh,

    /// <summary>x * sigmoid(1.702 x) (CLIP's quick GELU).</summary>
    QuickGelu,
}
