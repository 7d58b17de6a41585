using GenPipe.Abstractions.Models;

namespace GenPipe.Autoregressive.Generation;

/// <summary>Speculative decoding: a small <paramref name="Draft"/> model proposes <paramref name="DraftTokens"/> tokens that the large model verifies in one call.</summary>
/// <param name="Draft">The draft model; it must share the target model's vocabulary.</param>
/// <param name="DraftTokens">Tokens proposed per verification (<c>num_assistant_tokens</c>), at least 1.</param>
public sealed record SpeculativeOptions(ILanguageModel Draft, int DraftTokens = 2);
