using GenPipe.Abstractions.Operators;

namespace GenPipe.Core.Operators;

/// <summary>The operators the host provides itself (registered with <c>CatalogSource.BuiltIn</c>).</summary>
public static class BuiltInOperators
{
    /// <summary>
    /// <c>condition</c>, <c>encode</c>, <c>decode</c>, <c>sample_prior</c>, <c>encode_codes</c>, <c>decode_codes</c>,
    /// <c>load_image</c>, <c>save</c> and <c>save_text</c>: operators that know contracts and
    /// formats, no model family (family loops such as <c>diffuse</c> come with their plugins).
    /// </summary>
    public static IReadOnlyList<IPipelineOperator> All { get; } =
        [
            new ConditionOperator(), new EncodeOperator(), new DecodeOperator(), new SamplePriorOperator(), new EncodeCodesOperator(),
            new DecodeCodesOperator(), new LoadImageOperator(), new SaveOperator(), new SaveTextOperator(),
        ];
}
