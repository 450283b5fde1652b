using EdgeBox.Hosting;

// ONNX Runtime's native library may be configured elsewhere (inference.runtimeLibrary): resolve it ourselves.
EdgeBox.Inference.OnnxRuntimeLoader.Install();
return await Cli.InvokeAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
