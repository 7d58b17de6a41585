using System.Runtime.InteropServices;
using GenPipe.Nn;
using GenPipe.Nn.Models.Clip;
using GenPipe.Nn.Models.UNet2DCondition;
using GenPipe.Nn.Models.Vae;
using GenPipe.Tensors;
using GenPipe.Tensors.Backends;
using GenPipe.Tensors.Cpu;

namespace GenPipe.Bench.Sd15;

/// <summary>
/// GenPipe's engine on one component, loaded as the SD components load it (<c>UNet2DConditionModel.Load</c>,
/// <c>AutoencoderKL.Load</c>, <c>ClipTextModel.Load</c> from the model folder's subfolder), or with
/// <see cref="SyntheticWeightSource"/> weights from a config file alone (profiling without a weights file).
/// </summary>
internal sealed class GenPipeSide : ISdSide
{
    private readonly Module _model;
    private readonly Action _run;
    private TensorView _output;

    private GenPipeSide(Module model, SdInputs inputs)
    {
        _model = model;
        var shapes = inputs.Shapes;
        switch (model)
        {
            case UNet2DConditionModel unet:
            {
                var sample = new Tensor(inputs.Floats["sample"], shapes["sample"]);
                float[] timesteps = inputs.Floats["timestep"];
                var context = new Tensor(inputs.Floats["encoder_hidden_states"], shapes["encoder_hidden_states"]);
                _run = () => _output = unet.Forward(sample, timesteps, context);
                break;
            }

            case AutoencoderKL vae:
            {
                var latents = new Tensor(inputs.Floats["latent_sample"], shapes["latent_sample"]);
                _run = () => _output = vae.Decode(latents);
                break;
            }

            case ClipTextModel clip:
            {
                int[] ids = [.. inputs.Integers["input_ids"].Select(id => checked((int)id))];
                int batch = shapes["input_ids"][0];
                _run = () => _output = clip.Forward(ids, batch).LastHiddenState;
                break;
            }

            default:
                throw new ArgumentException($"No runner for {model.GetType().Name}.", nameof(model));
        }
    }

    /// <inheritdoc />
    public string Name => "genpipe";

    /// <inheritdoc />
    public string Description =>
        $"GenPipe on {RuntimeInformation.FrameworkDescription}, {CpuBackend.Shared.Workers.Threads} threads, " +
        (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "Vector512 kernels" : "Vector256 kernels");

    /// <summary>Loads <paramref name="component"/> from a diffusers model folder.</summary>
    public static GenPipeSide Load(SdComponent component, string modelFolder, SdInputs inputs, ITensorBackend backend)
    {
        string folder = Path.Combine(modelFolder, component.Subfolder());
        Module model = component switch
        {
            SdComponent.Unet => UNet2DConditionModel.Load(folder, backend),
            SdComponent.Vae => AutoencoderKL.Load(folder, backend),
            _ => ClipTextModel.Load(folder, backend),
        };
        return new GenPipeSide(model, inputs);
    }

    /// <summary>Builds <paramref name="component"/> from its config file alone, with synthetic weights.</summary>
    public static GenPipeSide Synthetic(SdComponent component, string configFile, SdInputs inputs, ITensorBackend backend)
    {
        Module model = component switch
        {
            SdComponent.Unet => new UNet2DConditionModel(UNet2DConditionConfig.FromFile(configFile)),
            SdComponent.Vae => new AutoencoderKL(AutoencoderKLConfig.Load(configFile)),
            _ => new ClipTextModel(ClipTextConfig.Load(configFile)),
        };
        model.LoadWeights(new SyntheticWeightSource(model), backend);
        return new GenPipeSide(model, inputs);
    }

    /// <inheritdoc />
    public void Run() => _run();

    /// <inheritdoc />
    public (float[] Values, int[] Shape) Output() => (_output.ToArray(), _output.Shape.ToArray());

    /// <inheritdoc />
    public void Dispose() => _model.Dispose();
}
