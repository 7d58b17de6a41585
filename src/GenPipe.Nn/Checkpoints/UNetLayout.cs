using GenPipe.Nn.Models.UNet2DCondition;

namespace GenPipe.Nn.Checkpoints;

/// <summary>
/// What the original (LDM) UNet numbering depends on: its blocks are numbered consecutively through every level, so
/// mapping <c>input_blocks.4.1</c> to <c>down_blocks.1.attentions.0</c> needs the number of levels, the resnets per level
/// and which levels have attention.
/// </summary>
/// <param name="LayersPerBlock">Resnets per down level (up levels have one more).</param>
/// <param name="DownAttention">Per down level, outermost first: true for a cross-attention block.</param>
/// <param name="UpAttention">Per up level, innermost first (diffusers' order): true for a cross-attention block.</param>
public sealed record UNetLayout(int LayersPerBlock, IReadOnlyList<bool> DownAttention, IReadOnlyList<bool> UpAttention)
{
    /// <summary>The resolution levels.</summary>
    public int Levels => DownAttention.Count;

    /// <summary>The layout of <paramref name="config"/>.</summary>
    /// <exception cref="ArgumentException">Its levels have different numbers of resnets, which LDM checkpoints never have.</exception>
    public static UNetLayout From(UNet2DConditionConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.LayersPerBlock.Distinct().Count() != 1)
        {
            throw new ArgumentException(
                $"The UNet config has layers_per_block [{string.Join(", ", config.LayersPerBlock)}]; an original single-file checkpoint has the same number on every level.");
        }

        return FromBlockTypes(config.LayersPerBlock[0], config.DownBlockTypes, config.UpBlockTypes);
    }

    /// <summary>The layout of a diffusers UNet config's block type names (<c>CrossAttnDownBlock2D</c>, <c>UpBlock2D</c>, ...).</summary>
    public static UNetLayout FromBlockTypes(int layersPerBlock, IReadOnlyList<string> downBlockTypes, IReadOnlyList<string> upBlockTypes)
    {
        ArgumentNullException.ThrowIfNull(downBlockTypes);
        ArgumentNullException.ThrowIfNull(upBlockTypes);
        if (downBlockTypes.Count != upBlockTypes.Count || downBlockTypes.Count == 0)
        {
            throw new ArgumentException($"A UNet has as many up blocks as down blocks, at least one; got {downBlockTypes.Count} and {upBlockTypes.Count}.");
        }

        return new UNetLayout(
            layersPerBlock,
            downBlockTypes.Select(t => t.StartsWith("CrossAttn", StringComparison.Ordinal)).ToArray(),
            upBlockTypes.Select(t => t.StartsWith("CrossAttn", StringComparison.Ordinal)).ToArray());
    }
}
