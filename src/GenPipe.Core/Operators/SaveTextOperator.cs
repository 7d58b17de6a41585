using System.Text;
using GenPipe.Abstractions.Models;
using GenPipe.Abstractions.Operators;

namespace GenPipe.Core.Operators;

/// <summary>
/// <c>save_text</c>: writes generated text to the run's output folder as <c>&lt;name&gt;.txt</c> (UTF-8): each sequence,
/// prompt then continuation, with a line holding only <c>%</c> between sequences (the fortune-file convention, so a
/// sequence's own blank lines stay unambiguous).
/// </summary>
public sealed class SaveTextOperator : IPipelineOperator
{
    /// <summary>The operator name.</summary>
    public const string OperatorName = "save_text";

    /// <inheritdoc />
    public OperatorSignature Signature { get; } = new(
        OperatorName,
        "Writes generated text as a UTF-8 .txt file.",
        [],
        [
            new InputPort("text", typeof(GeneratedText), Description: "The output of a generate step."),
            new InputPort("name", typeof(string), Required: false, Default: "text", Description: "File name without extension.") { Path = PathRule.FileName },
        ],
        typeof(string[]),
        Cacheable: false);

    /// <inheritdoc />
    public async ValueTask<object> ExecuteAsync(OperatorContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var text = context.GetInput<GeneratedText>("text");
        string name = context.GetInput<string>("name");
        SaveOperator.CheckName(context.StepId, name);
        var content = new StringBuilder();
        for (int i = 0; i < text.Continuations.Count; i++)
        {
            if (i > 0)
            {
                content.Append(content.Length > 0 && content[^1] == '\n' ? "%\n" : "\n%\n");
            }

            content.Append(text.Prompts[i]).Append(text.Continuations[i]);
        }

        if (content.Length > 0 && content[^1] != '\n')
        {
            content.Append('\n');
        }

        byte[] bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(content.ToString());
        string path = await context.Artifacts.WriteAsync(
            name + ".txt",
            async (stream, ct) => await stream.WriteAsync(bytes, ct).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        return new[] { path };
    }
}
