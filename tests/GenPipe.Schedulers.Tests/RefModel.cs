using GenPipe.Tensors;

namespace GenPipe.Schedulers.Tests;

/// <summary>
/// The stand-in model of the reference trajectories: 0.5 * tanh(x_in) + c with c = float32(0.1 * cos(t / 100)),
/// the cosine taken in double on the timestep as the scheduler reports it.
/// </summary>
public static class RefModel
{
    /// <summary>The per-step constant c.</summary>
    public static float Offset(float timestep) => (float)(0.1 * Math.Cos((double)timestep / 100.0));

    /// <summary>The model output for the scaled input <paramref name="modelInput"/> at <paramref name="timestep"/>.</summary>
    public static Tensor Evaluate(Tensor modelInput, float timestep)
    {
        float c = Offset(timestep);
        ReadOnlySpan<float> x = modelInput.Span;
        var output = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            output[i] = (MathF.Tanh(x[i]) * 0.5f) + c;
        }

        return new Tensor(output, modelInput.GetShape());
    }
}
