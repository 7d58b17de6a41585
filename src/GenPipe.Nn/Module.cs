using GenPipe.Tensors;
using GenPipe.Tensors.Backends;

namespace GenPipe.Nn;

/// <summary>
/// A node of a model tree: named children and named parameters, so that a parameter's full name
/// (<c>down_blocks.0.resnets.1.conv1.weight</c>) is the path of local names, exactly as PyTorch's module tree names it.
/// </summary>
/// <remarks>
/// Life cycle: build the tree from a configuration (shapes only), then <see cref="LoadWeights"/> binds every parameter
/// from an <see cref="IWeightSource"/> and lets each module prepare its weights for the backend (packing). Forward
/// methods return views over memory the module owns: a returned view stays valid until that module's next forward, and
/// forwards after the first with the same shapes allocate nothing. A module is not safe to run from two threads at once.
/// <see cref="Dispose"/> frees what the tree took from its backend (activation buffers, adopted weight copies), which is
/// what gives device memory back; on the CPU the garbage collector would reclaim it anyway.
/// </remarks>
public abstract class Module : IDisposable
{
    private readonly List<KeyValuePair<string, Module>> _children = [];
    private readonly List<Parameter> _parameters = [];
    private readonly List<ActivationBuffer> _buffers = [];
    private ITensorBackend? _backend;

    /// <summary>The named children, in registration order.</summary>
    public IReadOnlyList<KeyValuePair<string, Module>> Children => _children;

    /// <summary>This module's own parameters (not its children's).</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>True once weights are bound and prepared.</summary>
    public bool IsLoaded => _backend is not null;

    /// <summary>The backend the weights were prepared for.</summary>
    /// <exception cref="InvalidOperationException">No weights were loaded yet.</exception>
    protected ITensorBackend Backend => _backend ?? throw new InvalidOperationException(
        $"{GetType().Name} has no weights yet; call LoadWeights before Forward.");

    internal ITensorBackend BackendForBuffers => Backend;

    /// <summary>Every parameter of the tree under this module, by full name.</summary>
    public IEnumerable<KeyValuePair<string, Parameter>> NamedParameters(string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(prefix);
        foreach (var parameter in _parameters)
        {
            yield return new(prefix + parameter.Name, parameter);
        }

        foreach (var (name, child) in _children)
        {
            foreach (var entry in child.NamedParameters(prefix + name + "."))
            {
                yield return entry;
            }
        }
    }

    /// <summary>The number of scalar weights in the tree.</summary>
    public long ParameterCount() => NamedParameters().Sum(p => p.Value.Shape.Product);

    /// <summary>
    /// The bytes the loaded tree holds for its weights: each parameter's storage once (a tied weight is shared), plus
    /// what layers prepared from them for the backend (<see cref="PreparedBytes"/>). For memory accounting.
    /// </summary>
    public long WeightBytes() => MemoryByDevice().Sum(m => m.WeightBytes);

    /// <summary>
    /// What the loaded tree holds, per device: weights (<see cref="WeightBytes"/>'s parts, each on the device of its
    /// storage; prepared weights on the backend's device) and activation buffers (<see cref="AddBuffer"/>) as they are
    /// now. A component reports this to the memory pool.
    /// </summary>
    public IReadOnlyList<ModuleMemory> MemoryByDevice()
    {
        var weights = new Dictionary<string, long>(StringComparer.Ordinal);
        var buffers = new Dictionary<string, long>(StringComparer.Ordinal);
        var storages = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var (_, parameter) in NamedParameters())
        {
            if (parameter.IsBound && storages.Add(parameter.Value.Storage))
            {
                Add(weights, parameter.Value.Storage.Device, (long)parameter.Value.Storage.Length * sizeof(float));
            }
        }

        foreach (var module in Subtree())
        {
            if (module._backend is { } backend && module.PreparedBytes > 0)
            {
                Add(weights, backend.Device, module.PreparedBytes);
            }

            foreach (var buffer in module._buffers)
            {
                if (buffer.Device is { } device)
                {
                    Add(buffers, device, buffer.Bytes);
                }
            }
        }

        return weights.Keys.Union(buffers.Keys).Order(StringComparer.Ordinal)
            .Select(d => new ModuleMemory(d, weights.GetValueOrDefault(d), buffers.GetValueOrDefault(d)))
            .ToArray();

        static void Add(Dictionary<string, long> totals, string device, long bytes) =>
            totals[device] = totals.GetValueOrDefault(device) + bytes;
    }

    /// <summary>Bytes this module (not its children) keeps besides its parameters, such as packed weight matrices.</summary>
    protected virtual long PreparedBytes => 0;

    private IEnumerable<Module> Subtree() => _children.SelectMany(c => c.Value.Subtree()).Prepend(this);

    /// <summary>
    /// Binds every parameter from <paramref name="source"/> (names prefixed with <paramref name="prefix"/>) and prepares
    /// the weights for <paramref name="backend"/>.
    /// </summary>
    /// <param name="source">The weights.</param>
    /// <param name="backend">The backend forwards will run on.</param>
    /// <param name="prefix">A prefix of every name in the source that belongs to this model (for example <c>unet.</c>); names without it are ignored.</param>
    /// <exception cref="WeightBindingException">Weights are missing, unexpected or mis-shaped; lists all of them.</exception>
    public void LoadWeights(IWeightSource source, ITensorBackend backend, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(prefix);

        var expected = NamedParameters(prefix).ToList();
        var available = source.Names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        var missing = new List<string>();
        var mismatched = new List<WeightShapeMismatch>();
        foreach (var (name, parameter) in expected)
        {
            if (!available.Remove(name))
            {
                missing.Add($"{name} {parameter.Shape}");
                continue;
            }

            var actual = source.GetShape(name);
            if (!SameShape(parameter.Shape, actual))
            {
                mismatched.Add(new WeightShapeMismatch(name, parameter.Shape.ToString(), Tensor.FormatShape(actual.ToArray())));
            }
        }

        var unexpected = available.Order(StringComparer.Ordinal).ToList();
        if (missing.Count + unexpected.Count + mismatched.Count > 0)
        {
            throw new WeightBindingException(source.Description, GetType().Name, missing, unexpected, mismatched);
        }

        foreach (var (name, parameter) in expected)
        {
            parameter.Bind(backend.Adopt(source.Load(name)));
        }

        Prepare(backend);
    }

    /// <summary>
    /// Frees the memory the tree took from its backend: activation buffers and weights the backend copied in
    /// (<see cref="ITensorBackend.Adopt"/>). The module cannot run afterwards.
    /// </summary>
    public void Dispose()
    {
        foreach (var module in Subtree())
        {
            foreach (var buffer in module._buffers)
            {
                buffer.Release();
            }

            foreach (var parameter in module._parameters)
            {
                parameter.Release();
            }

            module._backend = null;
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Registers a child under a local name (which may contain dots, as <c>to_out.0</c>).</summary>
    protected T AddChild<T>(string name, T child)
        where T : Module
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(child);
        _children.Add(new(name, child));
        return child;
    }

    /// <summary>
    /// A new activation buffer of this module: its memory comes from the module's backend, and
    /// <see cref="MemoryByDevice"/> counts it. Call from the constructor, one per output or scratch tensor.
    /// </summary>
    protected ActivationBuffer AddBuffer()
    {
        var buffer = new ActivationBuffer(this);
        _buffers.Add(buffer);
        return buffer;
    }

    /// <summary>Registers a parameter with the shape the module expects.</summary>
    protected Parameter AddParameter(string name, params ReadOnlySpan<int> shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var parameter = new Parameter(name, new Dims(shape));
        _parameters.Add(parameter);
        return parameter;
    }

    /// <summary>
    /// Called once after binding, children first: rearrange weights for the backend (pack matrices and convolutions).
    /// </summary>
    protected virtual void OnWeightsLoaded()
    {
    }

    private void Prepare(ITensorBackend backend)
    {
        foreach (var (_, child) in _children)
        {
            child.Prepare(backend);
        }

        _backend = backend;
        OnWeightsLoaded();
    }

    private static bool SameShape(Dims expected, IReadOnlyList<int> actual)
    {
        if (expected.Rank != actual.Count)
        {
            return false;
        }

        for (int i = 0; i < expected.Rank; i++)
        {
            if (expected[i] != actual[i])
            {
                return false;
            }
        }

        return true;
    }
}
