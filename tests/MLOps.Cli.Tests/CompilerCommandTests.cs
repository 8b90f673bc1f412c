namespace MLOps.Cli.Tests;

public sealed class CompilerCommandTests
{
    private const string Valid = """
        step hello(name: string = "world") -> (greeting: File) {
          run = "echo hello ${name} > ${out.greeting}"
        }

        pipeline main() -> (greeting: File) {
          let h = hello()
          return { greeting: h.greeting }
        }
        """;

    private const string Broken = """
        step hello(name: string) -> (greeting: File) {
          run = "echo ${nmae} > ${out.greeting}"
        }

        pipeline main() {
          hello(name: 3)
        }
        """;

    [Fact]
    public void Check_reports_every_error_compiler_style_and_exits_1()
    {
        var dir = MlpcProcess.TempDir();
        File.WriteAllText(Path.Combine(dir, "broken.mlp"), Broken);
        var (code, _, stderr) = MlpcProcess.Run(dir, "check", "broken.mlp");
        Assert.Equal(1, code);
        Assert.Contains("broken.mlp:2:17: error MLP2001: The name 'nmae' does not exist here. Did you mean 'name'?", stderr);
        Assert.Contains("broken.mlp:6:15: error MLP2003:", stderr);
        Assert.Contains("\n" + new string(' ', 18) + "^^^^\n", stderr);
        Assert.Contains("2 error(s), 0 warning(s)", stderr);
    }

    [Fact]
    public void Check_json_gives_the_same_data_for_machines()
    {
        var dir = MlpcProcess.TempDir();
        File.WriteAllText(Path.Combine(dir, "broken.mlp"), Broken);
        var (code, stdout, _) = MlpcProcess.Run(dir, "check", "broken.mlp", "--format", "json");
        Assert.Equal(1, code);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        var first = doc.RootElement.GetProperty("diagnostics")[0];
        Assert.Equal("MLP2001", first.GetProperty("code").GetString());
        Assert.Equal(2, first.GetProperty("span").GetProperty("line").GetInt32());
        Assert.Equal("name", first.GetProperty("suggestion").GetString());
    }

    [Fact]
    public void Exit_codes_distinguish_clean_errors_and_bad_input()
    {
        var dir = MlpcProcess.TempDir();
        File.WriteAllText(Path.Combine(dir, "ok.mlp"), Valid);
        Assert.Equal(0, MlpcProcess.Run(dir, "check", "ok.mlp").ExitCode);
        Assert.Equal(2, MlpcProcess.Run(dir, "check", "missing.mlp").ExitCode);
        Assert.NotEqual(0, MlpcProcess.Run(dir, "check").ExitCode);
        File.WriteAllText(Path.Combine(dir, "warn.mlp"), Valid.Replace("let h = hello()", "let unused = hello()\n  let h = hello()"));
        Assert.Equal(0, MlpcProcess.Run(dir, "check", "warn.mlp").ExitCode);
        Assert.Equal(1, MlpcProcess.Run(dir, "check", "warn.mlp", "--warn-as-error").ExitCode);
    }

    [Fact]
    public void Build_writes_a_plan_only_when_clean()
    {
        var dir = MlpcProcess.TempDir();
        File.WriteAllText(Path.Combine(dir, "ok.mlp"), Valid);
        File.WriteAllText(Path.Combine(dir, "broken.mlp"), Broken);
        var (code, _, stderr) = MlpcProcess.Run(dir, "build", "ok.mlp", "-o", "plan.json", "--param", "nmae=x");
        Assert.Equal(1, code);
        Assert.Contains("error MLP2021: There is no parameter 'nmae' to set with --param.", stderr);
        Assert.Equal(0, MlpcProcess.Run(dir, "build", "ok.mlp", "-o", "plan.json").ExitCode);
        Assert.Contains("\"schema\": \"mlp.plan/v1\"", File.ReadAllText(Path.Combine(dir, "plan.json")));
        Assert.Equal(1, MlpcProcess.Run(dir, "build", "broken.mlp", "-o", "broken.json").ExitCode);
        Assert.False(File.Exists(Path.Combine(dir, "broken.json")));
    }

    [Fact]
    public void Graph_draws_dot_and_mermaid()
    {
        var dir = MlpcProcess.TempDir();
        File.WriteAllText(Path.Combine(dir, "ok.mlp"), Valid);
        var dot = MlpcProcess.Run(dir, "graph", "ok.mlp");
        Assert.Equal(0, dot.ExitCode);
        Assert.StartsWith("digraph \"main\"", dot.Stdout);
        var mermaid = MlpcProcess.Run(dir, "graph", "ok.mlp", "--format", "mermaid");
        Assert.StartsWith("flowchart LR", mermaid.Stdout);
    }

    [Fact]
    public void Every_command_has_help_with_examples()
    {
        foreach (var command in new[] { "check", "build", "fmt", "graph" })
        {
            var (code, stdout, _) = MlpcProcess.Run(Path.GetTempPath(), command, "--help");
            Assert.Equal(0, code);
            Assert.Contains("Examples:", stdout);
        }
    }
}

public sealed class FmtCommandTests
{
    [Fact]
    public void Fmt_check_reports_then_fmt_rewrites_keeping_comments()
    {
        var dir = MlpcProcess.TempDir();
        var path = Path.Combine(dir, "a.mlp");
        File.WriteAllText(path, "step s()->(o: File){\nrun=\"x ${out.o}\" // keep me\n}\n");
        var check = MlpcProcess.Run(dir, "fmt", "--check", "a.mlp");
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("a.mlp: not formatted", check.Stdout);
        Assert.Equal(0, MlpcProcess.Run(dir, "fmt", "a.mlp").ExitCode);
        Assert.Equal("step s() -> (o: File) {\n  run = \"x ${out.o}\" // keep me\n}\n", File.ReadAllText(path));
        Assert.Equal(0, MlpcProcess.Run(dir, "fmt", "--check", "a.mlp").ExitCode);
        File.WriteAllText(Path.Combine(dir, "bad.mlp"), "step s( {\n");
        Assert.Equal(1, MlpcProcess.Run(dir, "fmt", "bad.mlp").ExitCode);
        Assert.Equal("step s( {\n", File.ReadAllText(Path.Combine(dir, "bad.mlp")));
    }
}
