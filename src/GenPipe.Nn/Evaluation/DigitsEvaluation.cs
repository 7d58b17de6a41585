namespace GenPipe.Nn.Evaluation;

/// <summary>Everything <see cref="DigitsEvaluator"/> measures on one set of samples, with the held-out digits' own values beside.</summary>
/// <param name="Fld">Fréchet distance on classifier features, with the real-vs-real floor.</param>
/// <param name="Classes">What the classifier assigns the samples (accuracy and confidence when classes were requested).</param>
/// <param name="HeldOutClasses">The same report for the held-out digits against their labels: the classifier's own accuracy and confidence, the real class shares.</param>
/// <param name="Memorization">Nearest-training-digit distances of samples against held-out digits.</param>
public sealed record DigitsEvaluation(FldReport Fld, ClassReport Classes, ClassReport HeldOutClasses, MemorizationReport Memorization);
