namespace GenPipe.Nn.Checkpoints;

/// <summary>
/// PyTorch pickle files (<c>.ckpt</c>, <c>.bin</c>, <c>.pt</c>, <c>.pth</c>) are refused: unpickling runs whatever
/// code the file names, so opening an untrusted one is running an untrusted program. The message says how to convert
/// one, once, with PyTorch, where the user trusts it.
/// </summary>
public static class PickleRefusal
{
    private static readonly string[] Extensions = [".ckpt", ".bin", ".pt", ".pth", ".pkl"];

    /// <summary>True when <paramref name="path"/> names a pickle by its extension.</summary>
    public static bool IsPickle(string path) =>
        Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>The refusal for <paramref name="path"/>, with the conversion command.</summary>
    public static InvalidDataException For(string path)
    {
        string name = Path.GetFileName(path);
        string target = Path.ChangeExtension(name, ".safetensors");
        return new InvalidDataException(
            $"{path} is a PyTorch pickle: loading one runs any code it contains, so GenPipe reads only safetensors. " +
            $"Convert it once, on a machine where you trust the file: python3 -c \"import torch, safetensors.torch as st; " +
            $"sd = torch.load('{name}', map_location='cpu', weights_only=True); sd = sd.get('state_dict', sd); " +
            $"st.save_file({{k: v.contiguous() for k, v in sd.items() if torch.is_tensor(v)}}, '{target}')\" " +
            "(for a diffusers folder: pipe.save_pretrained(folder, safe_serialization=True)).");
    }
}
