using System.Diagnostics;

namespace MLOps.Language.Tests.Grammar;

/// <summary>Regenerates the parser from grammar/*.g4 with the pinned antlr-ng and compares it with the committed one.</summary>
public sealed class GrammarDriftTests
{
    [NodeFact]
    public void Committed_parser_matches_the_grammar()
    {
        var output = Path.Combine(Path.GetTempPath(), "mlpc-grammar-" + Guid.NewGuid().ToString("N"));
        var psi = new ProcessStartInfo("bash", [Path.Combine(RepoFiles.Root, "grammar", "generate.sh"), output])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(300_000), "grammar/generate.sh did not finish in 5 minutes");
        Assert.True(process.ExitCode == 0, "grammar/generate.sh failed:\n" + stderr.Result);
        var committed = Path.Combine(RepoFiles.Root, "src", "MLOps.Language", "Parsing", "Generated");
        var generated = Directory.GetFiles(output, "*.cs").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(Directory.GetFiles(committed, "*.cs").Select(Path.GetFileName).Order(), generated);
        foreach (var file in generated)
        {
            Assert.True(
                File.ReadAllText(Path.Combine(committed, file!)) == File.ReadAllText(Path.Combine(output, file!)),
                $"{file} differs from what grammar/*.g4 generates: run grammar/generate.sh and commit the result");
        }
    }

    [Fact]
    public void Generated_parser_types_stay_internal()
    {
        var exported = typeof(Compilation).Assembly.GetExportedTypes().Where(t => t.Namespace?.Contains("Generated", StringComparison.Ordinal) == true || t.FullName!.Contains("Antlr", StringComparison.Ordinal));
        Assert.Empty(exported);
    }
}

/// <summary>A fact that needs node and npm on PATH; skipped, with the reason, where they are absent.</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        if (!OnPath("node") || !OnPath("npm"))
        {
            Skip = "node and npm are needed to run the pinned antlr-ng (grammar/generate.sh)";
        }
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, program)));
}
