using GenPipe.Hosting.Plugins;
using Shouldly;
using Xunit;

namespace GenPipe.Hosting.Tests;

public sealed class PluginContractCheckTests
{
    [Theory]
    [InlineData("EchoPlugin", "1.3.0.0")]
    [InlineData("FuturePlugin", "2.0.0.0")]
    public void Reads_the_referenced_contract_version_from_metadata(string plugin, string expected) =>
        PluginContractCheck.ReadReferencedContractVersion(TestPlugins.Dll(plugin)).ShouldBe(Version.Parse(expected));

    [Fact]
    public void Current_contracts_pass() => PluginContractCheck.Check("EchoPlugin", TestPlugins.Dll("EchoPlugin")).ShouldBeNull();

    [Fact]
    public void Assembly_that_does_not_reference_the_contracts_is_refused()
    {
        // TestLib is a plain library: no GenPipe.Abstractions reference, so no entry point can exist.
        string dll = Path.Combine(TestPlugins.Folder("LibV1Plugin"), "TestLib.dll");

        PluginContractCheck.Check("TestLib", dll)!.ShouldStartWith($"Plugin 'TestLib' ({dll}) does not reference GenPipe.Abstractions");
    }

    [Fact]
    public void Native_file_is_not_an_assembly()
    {
        string file = Path.Combine(TestPlugins.NewTempFolder(), "x.dll");
        File.WriteAllText(file, "not a PE file");

        Should.Throw<BadImageFormatException>(() => PluginContractCheck.ReadReferencedContractVersion(file));
    }
}
