namespace GenPipe.Abstractions.Models;

/// <summary>What a denoiser predicts; the names are diffusers' <c>prediction_type</c> values.</summary>
public enum PredictionType
{
    /// <summary><c>epsilon</c>: the noise that was added.</summary>
    Epsilon,

    /// <summary><c>v_prediction</c>: v = alpha_t * noise - sigma_t * x_0 (Salimans and Ho, 2022).</summary>
    VPrediction,

    /// <summary><c>sample</c>: the clean sample x_0.</summary>
    Sample,

    /// <summary><c>flow_prediction</c>: the flow-matching velocity noise - x_0.</summary>
    Flow,
}
