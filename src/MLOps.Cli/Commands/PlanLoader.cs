using MLOps.Language.Lowering;
using MLOps.Plan;

namespace MLOps.Cli.Commands;

/// <summary>A plan ready to run, with its digest; or the exit code that says why there is none.</summary>
public sealed record LoadedPlan(ExecutionPlan Plan, string Json, string Digest);

/// <summary>
/// Gets the plan a command runs: compiles a <c>.mlp</c> (diagnostics are printed and errors
/// stop here, before anything starts) or reads a <c>plan.json</c>.
/// </summary>
public static class PlanLoader
{
    /// <param name="defaultSweep">Picks the sweep when none is named (mlpc sweep: the file's only one).</param>
    public static LoadedPlan? Load(string path, string? pipeline, string? sweep, string[]? parameters, out int exitCode, Func<MLOps.Language.Compilation, string?>? defaultSweep = null)
    {
        exitCode = ExitCodes.Ok;
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            if (parameters is { Length: > 0 } || pipeline is not null || sweep is not null)
            {
                Console.Error.WriteLine($"mlpc: {path} is a built plan: --param, --pipeline and --sweep apply to .mlp files (rebuild the plan with them)");
                exitCode = ExitCodes.BadInput;
                return null;
            }

            try
            {
                var json = File.ReadAllText(path);
                var plan = PlanJsonReader.Read(json);
                return new LoadedPlan(plan, json, Runtime.Scheduling.PlanRunner.DigestOf(json));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"mlpc: cannot read {path}: {e.Message}");
                exitCode = ExitCodes.BadInput;
                return null;
            }
            catch (PlanFormatException e)
            {
                Console.Error.WriteLine($"{path}: error: {e.Message}");
                exitCode = ExitCodes.Errors;
                return null;
            }
        }

        if (!CompilerCommands.TryParseParams(parameters, out var values) || !CompilerCommands.TryCompile(path, out var compilation))
        {
            exitCode = ExitCodes.BadInput;
            return null;
        }

        var result = PlanBuilder.Build(compilation!, new BuildOptions { Pipeline = pipeline, Sweep = sweep ?? defaultSweep?.Invoke(compilation!), Params = values });
        var code = CompilerCommands.Report(result.Diagnostics, "text", warnAsError: false);
        if (result.Plan is null || code != ExitCodes.Ok)
        {
            exitCode = ExitCodes.Errors;
            return null;
        }

        var text = PlanJson.Write(result.Plan);
        return new LoadedPlan(result.Plan, text, Runtime.Scheduling.PlanRunner.DigestOf(text));
    }
}
