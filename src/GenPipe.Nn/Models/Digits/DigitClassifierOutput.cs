using GenPipe.Tensors;

namespace GenPipe.Nn.Models.Digits;

/// <summary>
/// What <see cref="DigitClassifier.Forward"/> returns: views over the model's buffers, valid until its next forward.
/// A value, so a forward allocates nothing for it.
/// </summary>
/// <param name="Logits">The class scores, [N, num_classes] (PyTorch's <c>forward</c>).</param>
/// <param name="Features">The penultimate features after SiLU, [N, feature_dim] (PyTorch's <c>penultimate</c>).</param>
public readonly record struct DigitClassifierOutput(TensorView Logits, TensorView Features);
