using Shouldly;
using Xunit;

namespace GenPipe.Sampling.Tests;

/// <summary>A malformed reference file (from <c>GENPIPE_LOGITS_REFS</c>) fails with its path and the missing key.</summary>
public sealed class LogitsRefFileTests
{
    [Fact]
    public void A_file_without_cases_names_the_file_and_the_key()
    {
        string path = Path.Combine(Path.GetTempPath(), $"genpipe-logits-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "inputs": { "scores": [[0.5, 1]], "input_ids": [[1]] } }""");
        try
        {
            var error = Should.Throw<InvalidDataException>(() => LogitsRefFile.Load(path));

            error.Message.ShouldContain(path);
            error.Message.ShouldContain("$ has no 'cases'");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
