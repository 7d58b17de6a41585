namespace EchoPlugin;

public sealed class EchoOptions
{
    public string Prefix { get; set; } = "echo: ";
}
