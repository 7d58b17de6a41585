using Shouldly;
using Xunit;

namespace GenPipe.Hosting.Tests;

// Environment variables are process-wide: these tests run one at a time (one class) and restore what they set.
public sealed class GenPipeConfigurationTests
{
    [Fact]
    public void Settings_file_is_read_and_relative_folders_resolve_against_it()
    {
        string dir = TestPlugins.NewTempFolder();
        string settings = Path.Combine(dir, "conf", "my-settings.json");
        Directory.CreateDirectory(Path.GetDirectoryName(settings)!);
        File.WriteAllText(settings, """
            {
              // Comments are allowed.
              "PluginFolders": [ "plugins", "/abs/plugins" ],
              "ModelRoots": [ "../models" ],
              "MemoryBudget": "512MB",
              "DefaultDevice": "cpu"
            }
            """);

        var options = GenPipeConfiguration.ReadHostOptions(GenPipeConfiguration.Build(settings, basePath: dir), dir);

        options.PluginFolders.ShouldBe([Path.Combine(dir, "conf", "plugins"), "/abs/plugins"]);
        options.ModelRoots.ShouldBe([Path.Combine(dir, "models")]);
        options.MemoryBudgetBytes.ShouldBe(512L << 20);
    }

    [Fact]
    public void Environment_overrides_the_file_and_the_command_line_overrides_both()
    {
        string dir = TestPlugins.NewTempFolder();
        File.WriteAllText(Path.Combine(dir, "genpipe.json"), """{ "MemoryBudget": "512MB", "DefaultDevice": "cpu", "PluginFolders": [ "a" ] }""");
        using var env = new EnvironmentScope(("GENPIPE_MemoryBudget", "1GB"), ("GENPIPE_DefaultDevice", "gpu"), ("GENPIPE_PluginFolders__0", "/env/plugins"));

        var fromEnv = GenPipeConfiguration.ReadHostOptions(GenPipeConfiguration.Build(basePath: dir), dir);
        var fromArgs = GenPipeConfiguration.ReadHostOptions(
            GenPipeConfiguration.Build(null, ["--memory-budget", "2GB", "--DefaultDevice=cuda:1", "--plugins", "extra", "--plugins=/more"], dir), dir);

        fromEnv.MemoryBudgetBytes.ShouldBe(1L << 30);
        fromEnv.DefaultDevice.ShouldBe("gpu");
        fromEnv.PluginFolders.ShouldBe(["/env/plugins"]);
        fromArgs.MemoryBudgetBytes.ShouldBe(2L << 30);
        fromArgs.DefaultDevice.ShouldBe("cuda:1");
        fromArgs.PluginFolders.ShouldBe(["/env/plugins", Path.Combine(dir, "extra"), "/more"]);
    }

    [Fact]
    public void Without_a_settings_file_the_defaults_apply()
    {
        string dir = TestPlugins.NewTempFolder();

        var options = GenPipeConfiguration.ReadHostOptions(GenPipeConfiguration.Build(basePath: dir), dir);

        options.PluginFolders.ShouldBeEmpty();
        options.MemoryBudgetBytes.ShouldBeNull();
        options.DefaultDevice.ShouldBe("cpu");
        options.UseDefaultPluginFolder.ShouldBeTrue();
        GenPipeHostOptions.DefaultPluginFolder.ShouldBe(Path.Combine(AppContext.BaseDirectory, "plugins"));
    }

    [Fact]
    public void Malformed_settings_file_names_the_file_line_and_column()
    {
        string dir = TestPlugins.NewTempFolder();
        string file = Path.Combine(dir, "genpipe.json");
        File.WriteAllText(file, "{\n  \"MemoryBudget\": \"1GB\"\n  \"DefaultDevice\": \"cpu\"\n}");

        var error = Should.Throw<GenPipeConfigurationException>(() => GenPipeConfiguration.Build(basePath: dir));

        error.FilePath.ShouldBe(file);
        error.Message.ShouldStartWith($"Settings file '{file}' is not valid JSON at line 3, column 3:");
    }

    [Fact]
    public void Settings_file_with_a_key_given_twice_is_reported()
    {
        string dir = TestPlugins.NewTempFolder();
        string file = Path.Combine(dir, "genpipe.json");
        File.WriteAllText(file, """{ "MemoryBudget": "1GB", "MemoryBudget": "2GB" }""");

        var error = Should.Throw<GenPipeConfigurationException>(() => GenPipeConfiguration.Build(basePath: dir));

        error.FilePath.ShouldBe(file);
        error.Message.ShouldStartWith($"Settings file '{file}' cannot be used: ");
        error.Message.ShouldBe($"Settings file '{file}' cannot be used: A duplicate key 'MemoryBudget' was found.");
    }

    [Fact]
    public void Settings_file_that_is_not_an_object_or_missing_is_reported()
    {
        string dir = TestPlugins.NewTempFolder();
        string file = Path.Combine(dir, "array.json");
        File.WriteAllText(file, "[1, 2]");

        Should.Throw<GenPipeConfigurationException>(() => GenPipeConfiguration.Build(file, basePath: dir))
            .Message.ShouldBe($"Settings file '{file}' must hold a JSON object (e.g. {{ \"MemoryBudget\": \"1GB\" }}), not a Array.");
        Should.Throw<GenPipeConfigurationException>(() => GenPipeConfiguration.Build("missing.json", basePath: dir))
            .Message.ShouldBe($"Settings file '{Path.Combine(dir, "missing.json")}' not found. Check the path, or leave it out to use ./genpipe.json.");
    }

    [Fact]
    public void Bad_memory_budget_and_bad_command_line_fail_with_configuration_errors()
    {
        string dir = TestPlugins.NewTempFolder();

        var budget = Should.Throw<GenPipeConfigurationException>(() =>
            GenPipeConfiguration.ReadHostOptions(GenPipeConfiguration.Build(null, ["--MemoryBudget", "huge"], dir), dir));
        budget.Message.ShouldStartWith("MemoryBudget 'huge' is not a size.");
        Should.Throw<GenPipeConfigurationException>(() =>
                GenPipeConfiguration.ReadHostOptions(GenPipeConfiguration.Build(null, ["--UseDefaultPluginFolder", "maybe"], dir), dir))
            .Message.ShouldStartWith("A GenPipe setting has the wrong kind of value:");
        Should.Throw<GenPipeConfigurationException>(() => GenPipeConfiguration.Build(null, ["--plugins"], dir))
            .Message.ShouldBe("--plugins needs a folder, e.g. --plugins ./plugins.");
    }

    [Fact]
    public void Unknown_settings_are_warned_about_with_the_file_the_key_and_the_closest_setting()
    {
        string dir = TestPlugins.NewTempFolder();
        string file = Path.Combine(dir, "genpipe.json");
        File.WriteAllText(file, """{ "$schema": "x", "PluginFolder": [ "p" ], "MemoryBudjet": "1GB", "memorybudget": "2GB", "Colour": "red" }""");
        var warnings = new List<string>();

        var options = GenPipeConfiguration.ReadHostOptions(GenPipeConfiguration.Build(basePath: dir, warnings: warnings), dir);

        options.MemoryBudget.ShouldBe("2GB", "keys are case-insensitive, so this one is known");
        warnings.ShouldBe(
        [
            $"{file}: unknown setting 'PluginFolder' is ignored; did you mean 'PluginFolders'? (settings: PluginFolders, ModelRoots, MemoryBudget, DefaultDevice, UseDefaultPluginFolder)",
            $"{file}: unknown setting 'MemoryBudjet' is ignored; did you mean 'MemoryBudget'? (settings: PluginFolders, ModelRoots, MemoryBudget, DefaultDevice, UseDefaultPluginFolder)",
            $"{file}: unknown setting 'Colour' is ignored (settings: PluginFolders, ModelRoots, MemoryBudget, DefaultDevice, UseDefaultPluginFolder)",
        ]);
    }

    [Fact]
    public void Settings_file_that_is_a_folder_too_large_or_not_utf8_is_reported_by_name()
    {
        string dir = TestPlugins.NewTempFolder();
        Should.Throw<GenPipeConfigurationException>(() => GenPipeConfiguration.Build(dir, basePath: dir))
            .Message.ShouldBe($"Settings file '{dir}' is a folder, not a settings file. Name the JSON file itself, e.g. {Path.Combine(dir, "genpipe.json")}.");

        string large = Path.Combine(dir, "large.json");
        using (var stream = File.Create(large))
        {
            stream.SetLength(GenPipe.Core.InputFiles.MaxBytes + 1);
        }

        Should.Throw<GenPipeConfigurationException>(() => GenPipeConfiguration.Build(large, basePath: dir))
            .Message.ShouldStartWith($"Settings file '{large}' cannot be used: the settings file '{large}' is 64 MB; GenPipe reads at most 64 MB of JSON");

        string latin1 = Path.Combine(dir, "latin1.json");
        File.WriteAllBytes(latin1, [.. "{ \"ModelRoots\": [ \"mod"u8, 0xE8, .. "les\" ] }"u8]);
        Should.Throw<GenPipeConfigurationException>(() => GenPipeConfiguration.Build(latin1, basePath: dir))
            .Message.ShouldBe($"Settings file '{latin1}' cannot be used: the settings file '{latin1}' is not UTF-8 text: byte 0xE8 at offset 22 (line 1, column 23) does not belong to a UTF-8 character; save the file as UTF-8.");
    }

    [Fact]
    public void A_device_without_a_backend_is_an_error_listing_the_devices()
    {
        GenPipeConfiguration.CheckDevice("cpu");
        GenPipeConfiguration.CheckDevice("CPU");
        Should.Throw<GenPipeConfigurationException>(() => GenPipeConfiguration.CheckDevice("cuda"))
            .Message.ShouldBe("Device 'cuda' (--device or the DefaultDevice setting) does not exist here; the devices are: cpu. Another device arrives with a plugin that provides its backend.");
        Should.Throw<GenPipeConfigurationException>(() => GenPipeConfiguration.CheckDevice("cpi"))
            .Message.ShouldContain("the devices are: cpu. Did you mean 'cpu'?");
    }

    private sealed class EnvironmentScope : IDisposable
    {
        private readonly (string Name, string? Old)[] _saved;

        public EnvironmentScope(params (string Name, string Value)[] variables)
        {
            _saved = variables.Select(v => (v.Name, Environment.GetEnvironmentVariable(v.Name))).ToArray();
            foreach (var (name, value) in variables)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }

        public void Dispose()
        {
            foreach (var (name, old) in _saved)
            {
                Environment.SetEnvironmentVariable(name, old);
            }
        }
    }
}
