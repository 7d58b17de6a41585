using System.CommandLine;
using System.Globalization;
using System.Text;
using GenPipe.Abstractions.Models;
using GenPipe.Text;

namespace GenPipe.Cli.Commands;

/// <summary>
/// <c>genpipe tokenize --tokenizer DIR "text" [--input-ids]</c>: the tokens of a text, one line each (id, a tab, the
/// vocabulary symbol), with the tokenizer the folder holds (<see cref="TokenizerFiles.Load"/>: CLIP's, GPT-2's or
/// characters); <c>--input-ids</c> adds a CLIP text encoder's input (bos, ids, eos, padding to 77).
/// </summary>
internal static class TokenizeCommand
{
    public static Command Create(GlobalOptions globals, TextWriter output, TextWriter error)
    {
        var folder = new Option<string>("--tokenizer")
        {
            Description = "The tokenizer folder: vocab.json + merges.txt (CLIP's, as in an SD model's tokenizer/, or GPT-2's) or vocab.json alone (characters).",
            Required = true,
        };
        var text = new Argument<string>("text") { Description = "The text to tokenize (quote it)." };
        var inputIds = new Option<bool>("--input-ids")
        {
            Description = "Also print the text encoder's input ids (CLIP only): bos, the ids, eos, padded to the tokenizer's length (77).",
        };
        var command = new Command("tokenize", "Show the token ids and symbols of a text, with the tokenizer in a model folder.");
        command.Options.Add(folder);
        command.Arguments.Add(text);
        command.Options.Add(inputIds);
        command.SetAction(async (parsed, cancellationToken) =>
        {
            string directory = parsed.GetValue(folder)!;
            try
            {
                var tokenizer = TokenizerFiles.Load(directory);
                if (parsed.GetValue(inputIds) && tokenizer is not ClipTokenizer)
                {
                    await error.WriteLineAsync(
                        $"error: --input-ids needs CLIP's tokenizer; {directory} holds {Describe(tokenizer)}. Leave out --input-ids, or name a CLIP tokenizer folder (merges.txt with </w>).").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }

                string given = parsed.GetValue(text)!;
                var ids = tokenizer.Encode(given);
                var lines = new StringBuilder();
                foreach (int id in ids)
                {
                    lines.Append(id.ToString(CultureInfo.InvariantCulture)).Append('\t').AppendLine(Symbol(tokenizer, id));
                }

                if (parsed.GetValue(inputIds) && tokenizer is ClipTokenizer clip)
                {
                    int[] input = clip.EncodeForTextEncoder(given);
                    lines.Append(CultureInfo.InvariantCulture, $"input_ids ({input.Length}):").AppendLine(string.Concat(input.Select(i => " " + i.ToString(CultureInfo.InvariantCulture))));
                }

                await output.WriteAsync(lines.ToString()).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                // The folder, the file and the fix are in the message; a stack trace would add nothing.
                await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }
            catch (Exception ex)
            {
                return ErrorReporter.Report(ex, error, globals.Read(parsed).Verbose);
            }
        });
        return command;
    }

    private static string Describe(ITokenizer tokenizer) => tokenizer switch
    {
        ByteLevelBpeTokenizer => "GPT-2's byte-level BPE",
        CharacterTokenizer => "a character vocabulary",
        _ => tokenizer.GetType().Name,
    };

    // The vocabulary's symbol, with control characters written as escapes so that each token stays on its line.
    private static string Symbol(ITokenizer tokenizer, int id)
    {
        string symbol = tokenizer is ITokenVocabulary vocabulary ? vocabulary.IdToToken(id) : tokenizer.Decode([id]);
        var escaped = new StringBuilder(symbol.Length);
        foreach (char c in symbol)
        {
            escaped.Append(c switch
            {
                '\\' => @"\\",
                '\n' => @"\n",
                '\r' => @"\r",
                '\t' => @"\t",
                _ when char.IsControl(c) => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }

        return escaped.ToString();
    }
}
