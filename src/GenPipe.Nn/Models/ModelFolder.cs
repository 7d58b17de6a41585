namespace GenPipe.Nn.Models;

/// <summary>The folders models load from: a config file beside one weights file.</summary>
internal static class ModelFolder
{
    /// <summary>
    /// The path of <paramref name="name"/> in <paramref name="folder"/>, or a <see cref="FileNotFoundException"/> that
    /// says which model looked (<paramref name="model"/>) and what such a folder (<paramref name="kind"/>) holds.
    /// </summary>
    public static string RequireFile(string folder, string name, string model, string kind, string configFileName, string weightsFileName)
    {
        string path = Path.Combine(folder, name);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"The {model} folder {folder} has no {name}; {kind} holds {configFileName} and {weightsFileName}.", path);
    }
}
