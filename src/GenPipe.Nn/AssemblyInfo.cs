// GenPipe.Nn: neural building blocks that bind PyTorch-named weights and run on a tensor backend.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("GenPipe.Nn.Tests")]
