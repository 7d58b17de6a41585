// PLACEHOLDER: the side-by-side kernel benchmark's entry point (see bench/README.md once written).
System.Console.WriteLine("GenPipe.Bench.Kernels: not written yet");
