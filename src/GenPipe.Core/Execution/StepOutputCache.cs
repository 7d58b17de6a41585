using System.Security.Cryptography;
using System.Text;
using GenPipe.Core.Memory;

namespace GenPipe.Core.Execution;

/// <summary>
/// The last output of each step, kept between runs with the key of the inputs that produced it. A step whose key is
/// unchanged is not recomputed. One entry per (pipeline, step), held in the component pool: it counts against the same
/// memory budget and is evicted like an unleased component, least recently used first.
/// </summary>
internal sealed class StepOutputCache(IComponentPool pool)
{

    /// <summary>
    /// The cache key of a step: its operator, its inputs (parameter values and literals canonically; step outputs by
    /// their producers' keys) and the identities of its components.
    /// </summary>
    public static string KeyOf(PipelineStep step, IReadOnlyDictionary<string, string> upstreamKeys)
    {
        var text = new StringBuilder();
        text.Append("op=").Append(step.OperatorName).Append('\n');
        foreach (var input in step.Inputs.Values.OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            text.Append("in:").Append(input.Name).Append('=');
            text.Append(input.Kind == StepInputKind.StepOutput ? "@" + upstreamKeys[input.Reference!] : Pipelines.ValueTypes.Canonical(input.Value));
            text.Append('\n');
        }

        foreach (var (slot, component) in step.Components.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            text.Append("with:").Append(slot).Append('=').Append(component.Identity).Append('\n');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    public bool TryGet(string pipeline, string step, string key, out Step output)
    {
        if (pool.TryGetKept(EntryKey(pipeline, step), out object kept) && kept is Entry entry && entry.Key == key)
        {
            output = entry.Output;
            return true;
        }

        output = null!;
        return false;
    }

    public void Set(string pipeline, string step, string key, Step output) =>
        pool.Keep(EntryKey(pipeline, step), new Entry(key, output), ValueBytes.Of(output.Output) + ValueBytes.Of(output.Chunks));

    private static string EntryKey(string pipeline, string step) => "step-output\n" + pipeline + "\n" + step;

    /// <summary>A step's output and, for a step that streams, the pieces it streamed, in order.</summary>
    public sealed record Step(object Output, IReadOnlyList<object> Chunks);

    private sealed record Entry(string Key, Step Output);
}
