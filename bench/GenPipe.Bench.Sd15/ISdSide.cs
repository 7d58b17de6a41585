using GenPipe.Tensors.SafeTensors;

namespace GenPipe.Bench.Sd15;

/// <summary>One engine running one component: loaded once, then run repeatedly on the same inputs.</summary>
internal interface ISdSide : IDisposable
{
    /// <summary>The engine's name in the report (<c>genpipe</c>, <c>onnxruntime</c>).</summary>
    string Name { get; }

    /// <summary>A line on the engine's version and settings.</summary>
    string Description { get; }

    /// <summary>Runs the component once on the inputs it was given.</summary>
    void Run();

    /// <summary>The output of the last <see cref="Run"/>, as float32 values in row-major order, with its shape.</summary>
    (float[] Values, int[] Shape) Output();
}

/// <summary>The inputs of one component, read from the file the orchestrator wrote.</summary>
internal sealed class SdInputs
{
    private SdInputs(SdComponent component, Dictionary<string, float[]> floats, Dictionary<string, long[]> integers, Dictionary<string, int[]> shapes)
    {
        Component = component;
        Floats = floats;
        Integers = integers;
        Shapes = shapes;
    }

    /// <summary>The component the inputs are for.</summary>
    public SdComponent Component { get; }

    /// <summary>Float inputs by name.</summary>
    public IReadOnlyDictionary<string, float[]> Floats { get; }

    /// <summary>Integer inputs by name (CLIP's token ids).</summary>
    public IReadOnlyDictionary<string, long[]> Integers { get; }

    /// <summary>Every input's shape by name.</summary>
    public IReadOnlyDictionary<string, int[]> Shapes { get; }

    /// <summary>Reads the inputs of <paramref name="component"/> from a safetensors file.</summary>
    /// <exception cref="InvalidDataException">The file lacks an input; the message names the file and the tensor.</exception>
    public static SdInputs Read(SdComponent component, string path)
    {
        using var file = SafeTensorsFile.Open(path);
        var floats = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var integers = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var shapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (string name in component.InputNames())
        {
            if (!file.Entries.TryGetValue(name, out var entry))
            {
                throw new InvalidDataException($"{path} has no tensor '{name}', an input of the {component.Name()}; write the inputs with bench/sd15.py.");
            }

            shapes[name] = [.. entry.Shape];
            if (entry.DType == SafeTensorsDType.I64)
            {
                integers[name] = file.LoadInt64(name);
            }
            else
            {
                floats[name] = file.Load(name).View.ToArray();
            }
        }

        return new SdInputs(component, floats, integers, shapes);
    }

    /// <summary>Random inputs of the usual shapes (profiling): latents of <paramref name="size"/>, 77 tokens, batch <paramref name="batch"/>.</summary>
    public static SdInputs Synthetic(SdComponent component, int batch, int size)
    {
        var random = new Random(1);
        float[] Normal(int count) => [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        var floats = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var integers = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var shapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
        switch (component)
        {
            case SdComponent.Unet:
                (floats["sample"], shapes["sample"]) = (Normal(batch * 4 * size * size), [batch, 4, size, size]);
                (floats["timestep"], shapes["timestep"]) = ([.. Enumerable.Repeat(500f, batch)], [batch]);
                (floats["encoder_hidden_states"], shapes["encoder_hidden_states"]) = (Normal(batch * 77 * 768), [batch, 77, 768]);
                break;
            case SdComponent.Vae:
                (floats["latent_sample"], shapes["latent_sample"]) = (Normal(batch * 4 * size * size), [batch, 4, size, size]);
                break;
            default:
                (integers["input_ids"], shapes["input_ids"]) = ([.. Enumerable.Range(0, batch * 77).Select(i => (long)(i % 77 == 0 ? 49406 : 320 + i))], [batch, 77]);
                break;
        }

        return new SdInputs(component, floats, integers, shapes);
    }
}
