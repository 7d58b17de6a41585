using GenPipe.Cli;

using var signals = new ProcessSignals(Console.Error);
return await GenPipeCli.InvokeAsync(args, Console.Out, Console.Error, signals.Token).ConfigureAwait(false);
