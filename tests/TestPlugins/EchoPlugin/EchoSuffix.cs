namespace EchoPlugin;

/// <summary>A service the plugin registers and its component resolves.</summary>
public sealed record EchoSuffix(string Text);
