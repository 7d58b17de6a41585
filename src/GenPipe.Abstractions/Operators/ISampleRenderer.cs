using GenPipe.Tensors;

namespace GenPipe.Abstractions.Operators;

/// <summary>
/// Draws samples of shapes the host has no picture for (the host draws [N, 2] point sets and [N, C, H, W] images): a
/// family registers one as a service (<c>plugin.Services.AddSingleton&lt;ISampleRenderer, MyRenderer&gt;()</c>) and
/// <c>save</c> writes its picture as the step's PNG. Renderers are asked in registration order, before the host's own.
/// </summary>
public interface ISampleRenderer
{
    /// <summary>True when it draws samples of this shape.</summary>
    bool CanRender(Tensor samples);

    /// <summary>The picture.</summary>
    RenderedImage Render(Tensor samples);
}

/// <summary>An RGB picture: <paramref name="Rgb"/> holds <paramref name="Width"/> × <paramref name="Height"/> pixels, row by row, 3 bytes each.</summary>
/// <param name="Width">Pixels per row.</param>
/// <param name="Height">Rows.</param>
/// <param name="Rgb">The pixels.</param>
public sealed record RenderedImage(int Width, int Height, byte[] Rgb);
