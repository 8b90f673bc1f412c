using MLOps.Language.Diagnostics;
using MLOps.Language.Lowering;
using MLOps.Language.Modules;
using MLOps.Plan;

namespace MLOps.Language.Tests.Baselines;

/// <summary>
/// Data-driven compiler tests: each <c>Cases/**/NAME.mlp</c> has <c>NAME.diagnostics.txt</c> beside it
/// and, when it builds, <c>NAME.plan.json</c>. <c>MLOPS_UPDATE_BASELINES=1</c> rewrites them.
/// A folder holding <c>main.mlp</c> is one multi-file case: the other files are its modules.
/// </summary>
public sealed class CaseTests
{
    public static string CasesRoot { get; } = Path.Combine(RepoFiles.Root, "tests", "MLOps.Language.Tests", "Cases");

    private static bool Update => Environment.GetEnvironmentVariable("MLOPS_UPDATE_BASELINES") == "1";

    public static IEnumerable<string> CaseFiles()
    {
        foreach (var file in Directory.EnumerateFiles(CasesRoot, "*.mlp", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
        {
            var dir = Path.GetDirectoryName(file)!;
            if (File.Exists(Path.Combine(dir, "main.mlp")) && Path.GetFileName(file) != "main.mlp")
            {
                continue;
            }

            yield return Path.GetRelativePath(CasesRoot, file).Replace('\\', '/');
        }
    }

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in CaseFiles())
        {
            data.Add(c);
        }

        return data;
    }

    /// <summary>Compiles a case with paths relative to the Cases folder, so baselines are machine independent.</summary>
    public static Compilation Compile(string relative) =>
        Compilation.FromFile(relative, new CasesResolver());

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_matches_its_baselines(string relative)
    {
        var compilation = Compile(relative);
        var baseName = Path.Combine(CasesRoot, relative[..^".mlp".Length]);
        var diagnostics = compilation.Diagnostics;
        ExecutionPlan? plan = null;
        if (!compilation.HasErrors && compilation.Model.Pipelines.Any(p => ReferenceEquals(p.Module, compilation.EntryModule)))
        {
            var result = PlanBuilder.Build(compilation, BuildOptionsOf(compilation.EntryModule.File.Text));
            diagnostics = result.Diagnostics;
            plan = result.Plan;
        }

        Compare(baseName + ".diagnostics.txt", DiagnosticFormatter.Format(diagnostics));
        var planPath = baseName + ".plan.json";
        if (plan is not null)
        {
            Compare(planPath, PlanJson.Write(plan));
            return;
        }

        Assert.False(File.Exists(planPath) && !Update, $"{planPath} exists but the case no longer builds a plan");
    }

    /// <summary>A first line <c>// build: --pipeline p --sweep s --param k=v</c> gives the options the case is built with.</summary>
    private static BuildOptions BuildOptionsOf(string text)
    {
        var first = text.Split('\n')[0];
        if (!first.StartsWith("// build:", StringComparison.Ordinal))
        {
            return new BuildOptions();
        }

        var args = first["// build:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string? pipeline = null, sweep = null;
        var parameters = new List<KeyValuePair<string, string>>();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--pipeline":
                    pipeline = args[i + 1];
                    break;
                case "--sweep":
                    sweep = args[i + 1];
                    break;
                case "--param":
                    var eq = args[i + 1].IndexOf('=');
                    parameters.Add(new(args[i + 1][..eq], args[i + 1][(eq + 1)..]));
                    break;
            }
        }

        return new BuildOptions { Pipeline = pipeline, Sweep = sweep, Params = parameters };
    }

    private static void Compare(string path, string actual)
    {
        if (Update)
        {
            File.WriteAllText(path, actual);
            return;
        }

        var expected = File.Exists(path) ? File.ReadAllText(path) : "(missing baseline)";
        Assert.True(expected == actual, $"{Path.GetRelativePath(CasesRoot, path)} differs (MLOPS_UPDATE_BASELINES=1 rewrites it).\n--- expected\n{expected}\n--- actual\n{actual}");
    }

    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var file in RepoFiles.MlpFiles("examples"))
        {
            data.Add(Path.GetRelativePath(RepoFiles.Root, file).Replace('\\', '/'));
        }

        return data;
    }

    /// <summary>Every example checks clean and builds its golden plan (<c>NAME.plan.json</c> beside it).</summary>
    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_builds_its_golden_plan(string relative)
    {
        var compilation = Compilation.FromFile(relative, new RootedResolver(RepoFiles.Root));
        Assert.True(compilation.Diagnostics.IsEmpty, DiagnosticFormatter.Format(compilation.Diagnostics));
        var result = PlanBuilder.Build(compilation, new BuildOptions());
        Assert.True(result.Plan is not null, DiagnosticFormatter.Format(result.Diagnostics));
        Compare(Path.Combine(RepoFiles.Root, relative[..^".mlp".Length] + ".plan.json"), PlanJson.Write(result.Plan!));
    }

    [Fact]
    public void Every_example_and_stdlib_module_checks_clean()
    {
        var files = RepoFiles.MlpFiles("examples").ToList();
        foreach (var file in files)
        {
            var compilation = Compilation.FromFile(file);
            Assert.True(compilation.Diagnostics.IsEmpty, file + ":\n" + DiagnosticFormatter.Format(compilation.Diagnostics));
        }

        foreach (var module in Stdlib.Modules)
        {
            var compilation = Compilation.FromFile(module);
            Assert.True(compilation.Diagnostics.IsEmpty, module + ":\n" + DiagnosticFormatter.Format(compilation.Diagnostics));
        }

        Assert.NotEmpty(Stdlib.Modules);
    }

    private sealed class CasesResolver : FileSystemModuleResolver
    {
        public override string? Read(string path) =>
            Stdlib.IsStdPath(path) ? Stdlib.Read(path) : base.Read(Path.Combine(CasesRoot, path));
    }

    private sealed class RootedResolver(string root) : FileSystemModuleResolver
    {
        public override string? Read(string path) =>
            Stdlib.IsStdPath(path) ? Stdlib.Read(path) : base.Read(Path.Combine(root, path));
    }
}
