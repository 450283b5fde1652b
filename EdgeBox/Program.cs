using EdgeBox.Hosting;

return await Cli.InvokeAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
