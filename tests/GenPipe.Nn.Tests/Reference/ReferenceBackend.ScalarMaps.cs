using GenPipe.Tensors;

namespace GenPipe.Nn.Tests.Reference;

/// <summary>The reference loops of the scalar maps (affine, clamp, exp), straight from their definitions.</summary>
internal sealed partial class ReferenceBackend
{
    public void Affine(TensorView input, float scale, float shift, TensorView output)
    {
        for (int i = 0; i < input.Length; i++)
        {
            output.Storage.Span[Off(output, i)] = (float)(((double)input.Storage.Span[Off(input, i)] * scale) + shift);
        }
    }

    public void Clamp(TensorView input, float min, float max, TensorView output)
    {
        if (!(min <= max))
        {
            throw new ArgumentException($"Clamp: min {min} exceeds max {max}.");
        }

        for (int i = 0; i < input.Length; i++)
        {
            float x = input.Storage.Span[Off(input, i)];
            output.Storage.Span[Off(output, i)] = float.IsNaN(x) ? x : x < min ? min : x > max ? max : x;
        }
    }

    public void Exp(TensorView input, float scale, TensorView output)
    {
        for (int i = 0; i < input.Length; i++)
        {
            float product = input.Storage.Span[Off(input, i)] * scale;
            output.Storage.Span[Off(output, i)] = (float)Math.Exp(product);
        }
    }
}
