using GenPipe.Tensors.Tests.Gemm;
using Shouldly;
using Xunit;
using static GenPipe.Tensors.Tests.Gemm.KernelTestSupport;

namespace GenPipe.Tensors.Tests.Kernels;

/// <summary>
/// Attention with per-row key starts (left padding) against a naive masked softmax in float64: keys before a row's
/// start get -inf; a query before its row's start (a padding position) sees its last visible key only.
/// </summary>
[Collection(KernelTestSupport.Collection)]
public sealed class AttentionKeyStartTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in new[] { "decode", "decode_pad_query", "few", "prefill", "prefill_after_cache", "cross", "d7" })
        {
            data.Add(name, 1);
            data.Add(name, 2);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_a_naive_masked_softmax(string name, int threads)
    {
        var (shape, lk, causal, starts) = Case(name);
        var (b, h, lq, d) = shape;
        var q = Random(1, b, h, lq, d);
        var k = Random(2, b, h, lk, d);
        var v = Random(3, b, h, lk, d);
        var output = Tensor.Zeros(b, h, lq, d);
        float scale = 1f / MathF.Sqrt(d);
        MatMulReferenceTests.WithThreads(threads, () => Backend.Attention(q, k, v, output, scale, causal, starts));
        ShouldMatch(output, Naive(q, k, v, scale, causal, starts), name);
        output.Span.ToArray().ShouldAllBe(x => float.IsFinite(x), name);
    }

    [Fact]
    public void All_zero_starts_give_exactly_the_unmasked_result()
    {
        var q = Random(4, 2, 3, 70, 32);
        var k = Random(5, 2, 3, 90, 32);
        var v = Random(6, 2, 3, 90, 32);
        var plain = Tensor.Zeros(2, 3, 70, 32);
        var zeros = Tensor.Zeros(2, 3, 70, 32);
        Backend.Attention(q, k, v, plain, 0.2f, causal: true);
        Backend.Attention(q, k, v, zeros, 0.2f, causal: true, [0, 0]);
        zeros.Span.ToArray().ShouldBe(plain.Span.ToArray());
    }

    [Fact]
    public void A_start_count_other_than_the_batch_is_refused()
    {
        var q = Tensor.Zeros(2, 1, 3, 8);
        var error = Should.Throw<ArgumentException>(() => Backend.Attention(q, q, q, Tensor.Zeros(2, 1, 3, 8), 1f, true, [1, 2, 3]));
        error.Message.ShouldContain("3 key starts for a batch of 2");
        Should.Throw<ArgumentOutOfRangeException>(() => Backend.Attention(q, q, q, Tensor.Zeros(2, 1, 3, 8), 1f, true, [0, -1]));
    }

    private static ((int B, int H, int Lq, int D) Shape, int Lk, bool Causal, int[] Starts) Case(string name) => name switch
    {
        // One new query after a cache of 69 positions; row starts inside the first block, on a block edge, at the end.
        "decode" => ((3, 2, 1, 32), 70, true, [0, 5, 64]),

        // A start past the query: the query is padding and sees only itself.
        "decode_pad_query" => ((2, 2, 1, 32), 40, true, [50, 39]),

        // The direct path with several queries, some of them padding.
        "few" => ((2, 3, 6, 32), 6, true, [0, 4]),

        // A left-padded prompt: queries before a row's start are padding; starts across the 64-key blocks.
        "prefill" => ((3, 2, 100, 32), 100, true, [0, 37, 70]),

        // Queries appended after a cache of 110 positions; row 2 starts after some of them.
        "prefill_after_cache" => ((3, 2, 40, 32), 150, true, [1, 65, 130]),

        // Not causal: every query sees keys [start, Lk).
        "cross" => ((3, 2, 20, 40), 90, false, [3, 64, 89]),

        // A head size that is not a multiple of the vector width.
        "d7" => ((2, 2, 33, 7), 33, true, [0, 17]),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>softmax(q kᵀ · scale + mask) v per (row, head, query) in float64, the mask -inf outside the visible keys.</summary>
    private static float[] Naive(Tensor q, Tensor k, Tensor v, float scale, bool causal, int[] starts)
    {
        int b = q.View.Dim(0), h = q.View.Dim(1), lq = q.View.Dim(2), d = q.View.Dim(3), lk = k.View.Dim(2);
        var qs = q.Span;
        var ks = k.Span;
        var vs = v.Span;
        var result = new float[b * h * lq * d];
        var scores = new double[lk];
        for (int bh = 0; bh < b * h; bh++)
        {
            int row = bh / h;
            for (int i = 0; i < lq; i++)
            {
                int horizon = causal ? i + lk - lq : lk - 1;

                // A padding query (before its row's start) keeps only its last visible key.
                int start = Math.Min(starts[row], horizon);
                double max = double.NegativeInfinity;
                for (int j = 0; j < lk; j++)
                {
                    double s = 0;
                    for (int e = 0; e < d; e++)
                    {
                        s += (double)qs[(((bh * lq) + i) * d) + e] * ks[(((bh * lk) + j) * d) + e];
                    }

                    scores[j] = j < start || j > horizon ? double.NegativeInfinity : s * scale;
                    max = Math.Max(max, scores[j]);
                }

                double sum = 0;
                for (int j = 0; j < lk; j++)
                {
                    scores[j] = Math.Exp(scores[j] - max);
                    sum += scores[j];
                }

                for (int e = 0; e < d; e++)
                {
                    double acc = 0;
                    for (int j = 0; j < lk; j++)
                    {
                        acc += scores[j] * vs[(((bh * lk) + j) * d) + e];
                    }

                    result[(((bh * lq) + i) * d) + e] = (float)(acc / sum);
                }
            }
        }

        return result;
    }
}
