using GenPipe.Abstractions.Models;
using GenPipe.Tensors;

namespace GenPipe.Testing.Tests;

// Components with one deliberate fault each, for ConformanceFailureTests: the conformance bases must catch them.

/// <summary>Encodes row i from data row i + 1 (mod the batch): fine alone, wrong in a batch.</summary>
internal sealed class RowShiftingEncoder : IEncoder
{
    private readonly LinearGaussianEncoder _inner = new();

    public ValueTask<LatentEncoding> EncodeAsync(Tensor data, CancellationToken cancellationToken)
    {
        int batch = data.Dim(0);
        var shifted = Tensor.Zeros(data.GetShape());
        for (int n = 0; n < batch; n++)
        {
            data.Slice(0, (n + 1) % batch, 1).View.ToArray().CopyTo(shifted.Span.Slice(n * data.Dim(1), data.Dim(1)));
        }

        return _inner.EncodeAsync(shifted, cancellationToken);
    }
}

/// <summary>Never looks at its token.</summary>
internal sealed class CancellationIgnoringEncoder : IEncoder
{
    private readonly LinearGaussianEncoder _inner = new();

    public ValueTask<LatentEncoding> EncodeAsync(Tensor data, CancellationToken cancellationToken) => _inner.EncodeAsync(data, CancellationToken.None);
}

/// <summary>Returns an encoding whose Sample draws its noise from a shared generator instead of the one it is given.</summary>
internal sealed class SeedIgnoringEncoder : IEncoder
{
    private readonly LinearGaussianEncoder _inner = new();

    public async ValueTask<LatentEncoding> EncodeAsync(Tensor data, CancellationToken cancellationToken)
    {
        var gaussian = (GaussianLatent)await _inner.EncodeAsync(data, cancellationToken);
        return new UnseededLatent(gaussian.Mean);
    }

    private sealed record UnseededLatent(Tensor Mean) : LatentEncoding
    {
        public override Tensor Sample(IRandomSource? random)
        {
            var result = Mean.Clone();
            if (random is not null)
            {
                var span = result.Span;
                for (int i = 0; i < span.Length; i++)
                {
                    span[i] += (float)Random.Shared.NextDouble();
                }
            }

            return result;
        }
    }
}

/// <summary>Scales its latent in place and returns it.</summary>
internal sealed class InPlaceDecoder : IDecoder
{
    public ValueTask<Tensor> DecodeAsync(Tensor latent, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var span = latent.Span;
        for (int i = 0; i < span.Length; i++)
        {
            span[i] *= 2;
        }

        return ValueTask.FromResult(latent);
    }
}

/// <summary>Subtracts the batch's mean, as a batch norm left in training mode would: each row depends on the others.</summary>
internal sealed class BatchCenteringDecoder : IDecoder
{
    public ValueTask<Tensor> DecodeAsync(Tensor latent, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(FaultyConditioner.Centred(latent));
    }
}

/// <summary>
/// Predicts eps = x / 2, but keeps the sample in a field across an await: calls on one instance at the same time read
/// each other's sample. With <paramref name="shareAcrossInstances"/> the field is static, so separate instances collide too.
/// </summary>
internal sealed class ScratchFieldDenoiser(bool shareAcrossInstances = false) : IDenoiser
{
    private static Tensor? s_shared;
    private Tensor? _current;

    public PredictionType PredictionType => PredictionType.Epsilon;

    public IReadOnlyList<int> SampleShape => [3];

    public async ValueTask<Tensor> PredictAsync(DenoiserInput input, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (shareAcrossInstances)
        {
            s_shared = input.Sample;
        }
        else
        {
            _current = input.Sample;
        }

        // Stands for work that yields (a device transfer, a kernel launch) while the state is in the field.
        await Task.Delay(20, cancellationToken);
        return (shareAcrossInstances ? s_shared! : _current!).Multiply(0.5f);
    }
}

/// <summary>Drops the last feature of every sample: a prediction narrower than the sample.</summary>
internal sealed class NarrowingDenoiser : IDenoiser
{
    public PredictionType PredictionType => PredictionType.Epsilon;

    public IReadOnlyList<int> SampleShape => [3];

    public ValueTask<Tensor> PredictAsync(DenoiserInput input, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(input.Sample.Slice(1, 0, 2).Clone());
    }
}

/// <summary>The reference conditioner with one fault chosen by <paramref name="fault"/>.</summary>
internal sealed class FaultyConditioner(ConditionerFault fault) : IConditioner
{
    private readonly CharacterConditioner _inner = new();

    public async ValueTask<Conditioning> EncodeAsync(ConditioningInput input, CancellationToken cancellationToken)
    {
        var conditioning = await _inner.EncodeAsync(input, cancellationToken);
        return fault switch
        {
            ConditionerFault.CentresOverTheBatch => conditioning with { Pooled = Centred(conditioning.Pooled!) },
            ConditionerFault.SoftMask => conditioning with { Mask = conditioning.Mask!.Multiply(0.5f) },
            _ => conditioning,
        };
    }

    public async ValueTask<Conditioning> EncodeUnconditionalAsync(int batchSize, CancellationToken cancellationToken)
    {
        var conditioning = await _inner.EncodeUnconditionalAsync(batchSize, cancellationToken);
        // Only the beginning token: fewer tokens than a conditional batch, so guidance cannot combine the two.
        return fault == ConditionerFault.ShortUnconditional
            ? new Conditioning(conditioning.Embeddings.Slice(1, 0, 1).Clone(), conditioning.Pooled, conditioning.Mask!.Slice(1, 0, 1).Clone())
            : conditioning;
    }

    /// <summary>The tensor minus the mean of all its elements (over the whole batch).</summary>
    internal static Tensor Centred(Tensor pooled)
    {
        var result = pooled.Clone();
        var span = result.Span;
        float mean = 0;
        foreach (float v in span)
        {
            mean += v / span.Length;
        }

        for (int i = 0; i < span.Length; i++)
        {
            span[i] -= mean;
        }

        return result;
    }
}

internal enum ConditionerFault
{
    CentresOverTheBatch,
    SoftMask,
    ShortUnconditional,
}
