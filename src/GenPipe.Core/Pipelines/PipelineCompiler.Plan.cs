namespace GenPipe.Core.Pipelines;

internal sealed partial class PipelineCompiler
{
    /// <summary>
    /// Orders the steps so each runs after the steps it consumes (document order otherwise), reporting every cycle.
    /// Null when there is a cycle.
    /// </summary>
    private List<PipelineStep>? Plan(List<PipelineStep> steps)
    {
        var byId = steps.ToDictionary(s => s.Id, StringComparer.Ordinal);
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1: on the DFS stack, 2: done
        var stack = new List<PipelineStep>();
        bool cyclic = false;

        void Visit(PipelineStep step)
        {
            state[step.Id] = 1;
            stack.Add(step);
            foreach (var input in step.Inputs.Values.Where(i => i.Kind == StepInputKind.StepOutput))
            {
                if (!byId.TryGetValue(input.Reference!, out var next))
                {
                    continue;
                }

                if (state.GetValueOrDefault(next.Id) == 1)
                {
                    var cycle = stack.Skip(stack.IndexOf(next)).Select(s => s.Id).Append(next.Id);
                    string path = JsonPathText.Property(JsonPathText.Property(JsonPathText.Index("$.steps", step.DocumentIndex), "in"), input.Name);
                    _diagnostics.Error(path, $"the steps form a cycle: {string.Join(" -> ", cycle)} (each step needs the output of the next); remove one of these references");
                    cyclic = true;
                }
                else if (state.GetValueOrDefault(next.Id) == 0)
                {
                    Visit(next);
                }
            }

            stack.RemoveAt(stack.Count - 1);
            state[step.Id] = 2;
        }

        foreach (var step in steps.Where(s => !state.ContainsKey(s.Id)))
        {
            Visit(step);
        }

        if (cyclic)
        {
            return null;
        }

        // Kahn's algorithm, always taking the earliest ready step in document order.
        var ordered = new List<PipelineStep>(steps.Count);
        var done = new HashSet<string>(StringComparer.Ordinal);
        var remaining = steps.OrderBy(s => s.DocumentIndex).ToList();
        while (remaining.Count > 0)
        {
            var ready = remaining.First(s => s.DependsOn.All(d => done.Contains(d) || !byId.ContainsKey(d)));
            ordered.Add(ready);
            done.Add(ready.Id);
            remaining.Remove(ready);
        }

        return ordered;
    }
}
