using Shouldly;
using Xunit;

namespace GenPipe.Hosting.Tests;

public sealed class MemorySizeTests
{
    [Theory]
    [InlineData("512MB", 536_870_912L)]
    [InlineData("512 mb", 536_870_912L)]
    [InlineData("1GB", 1_073_741_824L)]
    [InlineData("1.5GiB", 1_610_612_736L)]
    [InlineData("64K", 65_536L)]
    [InlineData("2TB", 2_199_023_255_552L)]
    [InlineData("100B", 100L)]
    [InlineData("4096", 4096L)]
    public void Parses_sizes_in_powers_of_1024(string text, long bytes) => MemorySize.Parse(text).ShouldBe(bytes);

    [Theory]
    [InlineData("")]
    [InlineData("lots")]
    [InlineData("12XB")]
    [InlineData("-1GB")]
    [InlineData("0MB")]
    [InlineData("1,5GB")]
    [InlineData("99999999999TB")]
    public void Rejects_what_is_not_a_positive_size(string text)
    {
        MemorySize.TryParse(text, out _).ShouldBeFalse();
        var error = Should.Throw<GenPipeConfigurationException>(() => MemorySize.Parse(text));
        error.Message.ShouldBe(
            $"MemoryBudget '{text}' is not a size. Use a positive number with a unit, e.g. 512MB, 1.5GB or 64KiB " +
            "(units are powers of 1024; a bare number is bytes).");
    }

    [Fact]
    public void Options_expose_the_budget_in_bytes()
    {
        new GenPipeHostOptions { MemoryBudget = "3MB" }.MemoryBudgetBytes.ShouldBe(3L * 1024 * 1024);
        new GenPipeHostOptions().MemoryBudgetBytes.ShouldBeNull();
    }
}
