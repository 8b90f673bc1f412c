using System.CommandLine;
using MLOps.Language;
using MLOps.Language.Diagnostics;
using MLOps.Language.Formatting;
using MLOps.Language.Lowering;
using MLOps.Language.Parsing;
using MLOps.Language.Text;
using MLOps.Plan;

namespace MLOps.Cli.Commands;

/// <summary>check, build, fmt, graph: thin wrappers over MLOps.Language.</summary>
public static class CompilerCommands
{
    public static readonly Option<string> FormatOption = new("--format")
    {
        Description = "Output format: text or json",
        DefaultValueFactory = _ => "text",
    };

    public static readonly Option<bool> WarnAsErrorOption = new("--warn-as-error")
    {
        Description = "Treat warnings as errors (exit code 1)",
    };

    public static Option<string[]> ParamOption() => new("--param", "-p")
    {
        Description = "Set a parameter: name=value (repeatable); checked against its declared type",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Command Check()
    {
        var files = new Argument<string[]>("files") { Description = "The .mlp files to check", Arity = ArgumentArity.OneOrMore };
        var command = new Command("check", "Check .mlp files and report every error and warning.\n\nExamples:\n  mlpc check examples/churn/churn.mlp\n  mlpc check a.mlp b.mlp --format json\n  mlpc check pipeline.mlp --warn-as-error");
        command.Arguments.Add(files);
        command.Options.Add(FormatOption);
        command.Options.Add(WarnAsErrorOption);
        command.SetAction(r =>
        {
            var all = new List<Diagnostic>();
            foreach (var file in r.GetValue(files)!)
            {
                if (!TryCompile(file, out var compilation))
                {
                    return ExitCodes.BadInput;
                }

                all.AddRange(compilation!.Diagnostics);
            }

            return Report(all, r.GetValue(FormatOption)!, r.GetValue(WarnAsErrorOption));
        });
        return command;
    }

    public static Command Build()
    {
        var file = new Argument<string>("file") { Description = "The .mlp file to build" };
        var pipeline = new Option<string?>("--pipeline") { Description = "The pipeline to build (default: the only top-level one)" };
        var sweep = new Option<string?>("--sweep") { Description = "Build the plan of a sweep instead" };
        var param = ParamOption();
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the plan (default: stdout)" };
        var command = new Command("build", "Compile a pipeline or sweep into an execution plan (mlp.plan/v1).\nNo plan is written when there are errors.\n\nExamples:\n  mlpc build examples/quickstart/quickstart.mlp -o plan.json\n  mlpc build churn.mlp --pipeline train --param lr=0.01 --param epochs=5\n  mlpc build fraud.mlp --sweep tune -o sweep.json");
        command.Arguments.Add(file);
        command.Options.Add(pipeline);
        command.Options.Add(sweep);
        command.Options.Add(param);
        command.Options.Add(output);
        command.Options.Add(FormatOption);
        command.Options.Add(WarnAsErrorOption);
        command.SetAction(r =>
        {
            if (r.GetValue(pipeline) is not null && r.GetValue(sweep) is not null)
            {
                Console.Error.WriteLine("mlpc build: give either --pipeline or --sweep, not both");
                return ExitCodes.BadInput;
            }

            if (!TryParseParams(r.GetValue(param), out var parameters))
            {
                return ExitCodes.BadInput;
            }

            var path = r.GetValue(file)!;
            if (!TryCompile(path, out var compilation))
            {
                return ExitCodes.BadInput;
            }

            var result = PlanBuilder.Build(compilation!, new BuildOptions { Pipeline = r.GetValue(pipeline), Sweep = r.GetValue(sweep), Params = parameters });
            var warnAsError = r.GetValue(WarnAsErrorOption);
            var code = Report(result.Diagnostics, r.GetValue(FormatOption)!, warnAsError);
            if (result.Plan is null || code != ExitCodes.Ok)
            {
                return code == ExitCodes.Ok ? ExitCodes.Errors : code;
            }

            var json = PlanJson.Write(result.Plan);
            if (r.GetValue(output) is { } outPath)
            {
                WriteAtomically(outPath, json);
                Console.Error.WriteLine($"wrote {outPath}: {result.Plan.Nodes.Length} node(s), {result.Plan.Registrations.Length} registration(s)");
            }
            else
            {
                Console.Out.Write(json);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Fmt()
    {
        var files = new Argument<string[]>("files") { Description = "The .mlp files to format in place", Arity = ArgumentArity.OneOrMore };
        var check = new Option<bool>("--check") { Description = "Change nothing; exit 1 and list the files that are not formatted" };
        var command = new Command("fmt", "Format .mlp files in the canonical style, keeping comments.\n\nExamples:\n  mlpc fmt examples/churn/churn.mlp\n  mlpc fmt --check $(git ls-files '*.mlp')");
        command.Arguments.Add(files);
        command.Options.Add(check);
        command.SetAction(r =>
        {
            var unformatted = 0;
            var failed = false;
            foreach (var path in r.GetValue(files)!)
            {
                if (!TryRead(path, out var text))
                {
                    return ExitCodes.BadInput;
                }

                var parsed = SyntaxParser.Parse(new SourceFile(path, text!));
                if (parsed.Diagnostics.Any(d => d.IsError))
                {
                    Console.Error.Write(DiagnosticFormatter.Format(parsed.Diagnostics));
                    failed = true;
                    continue;
                }

                var formatted = Formatter.Format(parsed.Root);
                if (formatted == text)
                {
                    continue;
                }

                unformatted++;
                if (r.GetValue(check))
                {
                    Console.Out.WriteLine($"{path}: not formatted");
                }
                else
                {
                    WriteAtomically(path, formatted);
                    Console.Error.WriteLine($"formatted {path}");
                }
            }

            return failed || (r.GetValue(check) && unformatted > 0) ? ExitCodes.Errors : ExitCodes.Ok;
        });
        return command;
    }

    public static Command Graph()
    {
        var file = new Argument<string>("file") { Description = "The .mlp file" };
        var pipeline = new Option<string?>("--pipeline") { Description = "The pipeline to draw (default: the only top-level one)" };
        var format = new Option<string>("--format") { Description = "dot or mermaid", DefaultValueFactory = _ => "dot" };
        format.AcceptOnlyFromAmong("dot", "mermaid");
        var command = new Command("graph", "Draw a pipeline's DAG as Graphviz dot or Mermaid.\n\nExamples:\n  mlpc graph examples/churn/churn.mlp | dot -Tsvg > churn.svg\n  mlpc graph churn.mlp --pipeline train --format mermaid");
        command.Arguments.Add(file);
        command.Options.Add(pipeline);
        command.Options.Add(format);
        command.SetAction(r =>
        {
            if (!TryCompile(r.GetValue(file)!, out var compilation))
            {
                return ExitCodes.BadInput;
            }

            var result = PlanBuilder.Build(compilation!, new BuildOptions { Pipeline = r.GetValue(pipeline) });
            if (result.Plan is null)
            {
                Console.Error.Write(DiagnosticFormatter.Format(result.Diagnostics));
                return ExitCodes.Errors;
            }

            Console.Out.Write(r.GetValue(format) == "mermaid" ? PlanGraph.ToMermaid(result.Plan) : PlanGraph.ToDot(result.Plan));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Prints diagnostics (text to stderr, json to stdout) and gives the exit code they mean.</summary>
    public static int Report(IReadOnlyCollection<Diagnostic> diagnostics, string format, bool warnAsError)
    {
        if (format == "json")
        {
            Console.Out.Write(DiagnosticJson.Write(diagnostics));
        }
        else
        {
            Console.Error.Write(DiagnosticFormatter.Format(diagnostics));
            var errors = diagnostics.Count(d => d.IsError);
            var warnings = diagnostics.Count - errors;
            if (diagnostics.Count > 0)
            {
                Console.Error.WriteLine($"{errors} error(s), {warnings} warning(s)");
            }
        }

        return diagnostics.Any(d => d.IsError || warnAsError) ? ExitCodes.Errors : ExitCodes.Ok;
    }

    public static bool TryCompile(string path, out Compilation? compilation)
    {
        compilation = null;
        if (!TryRead(path, out var text))
        {
            return false;
        }

        compilation = Compilation.FromText(path, text!);
        return true;
    }

    public static bool TryParseParams(string[]? values, out List<KeyValuePair<string, string>> parameters)
    {
        parameters = [];
        foreach (var value in values ?? [])
        {
            var eq = value.IndexOf('=');
            if (eq <= 0)
            {
                Console.Error.WriteLine($"mlpc: --param expects name=value, got '{value}'");
                return false;
            }

            parameters.Add(new(value[..eq], value[(eq + 1)..]));
        }

        return true;
    }

    private static bool TryRead(string path, out string? text)
    {
        text = null;
        try
        {
            text = File.ReadAllText(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            Console.Error.WriteLine($"mlpc: cannot read '{path}': {e.Message}");
            return false;
        }
    }

    private static void WriteAtomically(string path, string text)
    {
        var full = Path.GetFullPath(path);
        var temp = full + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temp, text);
        File.Move(temp, full, overwrite: true);
    }
}

public static class ExitCodes
{
    public const int Ok = 0;
    public const int Errors = 1;
    public const int BadInput = 2;
}
