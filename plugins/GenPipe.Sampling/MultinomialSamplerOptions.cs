namespace GenPipe.Sampling;

/// <summary>Options of <c>sampler/multinomial</c>: <see cref="SamplerOptions"/> with <c>do_sample</c> true by default.</summary>
public sealed record MultinomialSamplerOptions : SamplerOptions
{
    /// <summary>Creates the options with sampling turned on.</summary>
    public MultinomialSamplerOptions() => DoSample = true;
}
