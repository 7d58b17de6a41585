using GenPipe.Cli;

return await GenPipeCli.InvokeAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
