using Microsoft.ML.OnnxRuntime;

namespace GenPipe.Bench.Sd15;

/// <summary>
/// ONNX Runtime's CPU provider on one component exported by <c>bench/torch/sd15_export.py</c>
/// (<c>onnx/&lt;component&gt;/model.onnx</c>, the UNet's weights as external data beside it): every graph
/// optimization on, <c>threads</c> intra-op threads, one inter-op thread, sequential execution.
/// </summary>
internal sealed class OnnxSide : ISdSide
{
    private readonly InferenceSession _session;
    private readonly SessionOptions _options;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly OrtValue[] _inputs;
    private readonly string[] _outputNames;
    private readonly int _threads;
    private IDisposableReadOnlyCollection<OrtValue>? _outputs;

    /// <summary>Opens the model file and binds the inputs.</summary>
    /// <exception cref="FileNotFoundException">No model file; the message says which script writes it.</exception>
    public OnnxSide(string modelFile, SdInputs inputs, int threads)
    {
        if (!File.Exists(modelFile))
        {
            throw new FileNotFoundException($"No ONNX model at {modelFile}; write it with /usr/bin/python3 bench/torch/sd15_export.py.", modelFile);
        }

        _threads = threads;
        _options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        _session = new InferenceSession(modelFile, _options);
        _inputNames = inputs.Component.InputNames();
        _inputs = new OrtValue[_inputNames.Length];
        for (int i = 0; i < _inputNames.Length; i++)
        {
            string name = _inputNames[i];
            long[] shape = [.. inputs.Shapes[name].Select(d => (long)d)];
            _inputs[i] = inputs.Integers.TryGetValue(name, out long[]? integers)
                ? OrtValue.CreateTensorValueFromMemory(integers, shape)
                : OrtValue.CreateTensorValueFromMemory(inputs.Floats[name], shape);
        }

        _outputNames = [_session.OutputMetadata.Keys.First()];
    }

    /// <inheritdoc />
    public string Name => "onnxruntime";

    /// <inheritdoc />
    public string Description =>
        $"ONNX Runtime {OrtEnv.Instance().GetVersionString()} CPU, graph optimization all, {_threads} intra-op threads, 1 inter-op";

    /// <inheritdoc />
    public void Run()
    {
        _outputs?.Dispose();
        _outputs = _session.Run(_runOptions, _inputNames, _inputs, _outputNames);
    }

    /// <inheritdoc />
    public (float[] Values, int[] Shape) Output()
    {
        var output = (_outputs ?? throw new InvalidOperationException("Run first."))[0];
        int[] shape = [.. output.GetTensorTypeAndShape().Shape.Select(d => checked((int)d))];
        return (output.GetTensorDataAsSpan<float>().ToArray(), shape);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _outputs?.Dispose();
        foreach (var input in _inputs)
        {
            input.Dispose();
        }

        _session.Dispose();
        _options.Dispose();
        _runOptions.Dispose();
    }
}
