using MLOps.Runtime.Execution;

namespace MLOps.Runtime.Tests.Execution;

/// <summary>What a child's environment is made of: mlpc's own, captured once, with the step's variables on top.</summary>
public sealed class InheritedEnvironmentTests
{
    private static readonly InheritedEnvironment Captured = InheritedEnvironment.Capture();

    private static string? Value(List<string> environment, string name)
    {
        var entries = environment.Where(e => e.StartsWith(name + "=", StringComparison.Ordinal)).ToList();
        Assert.True(entries.Count <= 1, $"{name} appears {entries.Count} times");
        return entries.Count == 0 ? null : entries[0][(name.Length + 1)..];
    }

    [Fact]
    public void The_processes_variables_are_inherited()
    {
        var environment = Captured.With([]);
        Assert.Equal(Environment.GetEnvironmentVariable("PATH"), Value(environment, "PATH"));
        Assert.Equal(Environment.GetEnvironmentVariables().Count, environment.Count);
    }

    [Fact]
    public void An_override_replaces_an_inherited_variable_and_the_last_override_of_a_name_wins()
    {
        var environment = Captured.With([new("PATH", "/first"), new("MLP_NEW", "a=b"), new("PATH", "/last")]);
        Assert.Equal("/last", Value(environment, "PATH"));
        Assert.Equal("a=b", Value(environment, "MLP_NEW"));
        Assert.Equal(Environment.GetEnvironmentVariables().Count + 1, environment.Count);
    }
}
