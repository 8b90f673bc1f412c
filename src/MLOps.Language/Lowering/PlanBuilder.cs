using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using MLOps.Language.Binding;
using MLOps.Language.Diagnostics;
using MLOps.Language.Syntax;
using MLOps.Language.Text;
using MLOps.Plan;

namespace MLOps.Language.Lowering;

/// <summary>What to build: a pipeline or a sweep, with parameter values from the command line (<c>name=value</c> texts).</summary>
public sealed record BuildOptions
{
    public string? Pipeline { get; init; }

    public string? Sweep { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> Params { get; init; } = [];

    /// <summary>The file name recorded in the plan (default: the entry module's path as given).</summary>
    public string? SourceName { get; init; }
}

public sealed record BuildResult(ExecutionPlan? Plan, ImmutableArray<Diagnostic> Diagnostics)
{
    public bool Succeeded => Plan is not null;
}

/// <summary>
/// Lowers a checked compilation into an execution plan. Never runs when the compilation has
/// errors: the plan is only written for programs that check clean.
/// </summary>
public static class PlanBuilder
{
    public static BuildResult Build(Compilation compilation, BuildOptions options)
    {
        if (compilation.HasErrors)
        {
            return new BuildResult(null, compilation.Diagnostics);
        }

        var diagnostics = new DiagnosticBag();
        var entry = SelectEntry(compilation, options, diagnostics, out var sweep);
        if (entry is null)
        {
            return new BuildResult(null, [.. compilation.Diagnostics, .. diagnostics.ToImmutable()]);
        }

        var values = ParamOverrides.Parse(compilation, entry, options.Params, diagnostics);
        if (diagnostics.HasErrors)
        {
            return new BuildResult(null, [.. compilation.Diagnostics, .. diagnostics.ToImmutable()]);
        }

        var swept = sweep?.Dimensions.Select(d => d.Parameter.Name).ToImmutableHashSet(StringComparer.Ordinal) ?? [];
        var lowerer = new PipelineLowerer(compilation, values, diagnostics);
        lowerer.LowerEntry(entry, swept);
        if (diagnostics.HasErrors)
        {
            return new BuildResult(null, [.. compilation.Diagnostics, .. diagnostics.ToImmutable()]);
        }

        var plan = new ExecutionPlan
        {
            Kind = sweep is null ? "pipeline" : "sweep",
            Source = new PlanSource(options.SourceName ?? compilation.EntryModule.Path, compilation.SourceDigest),
            Pipeline = entry.Name,
            Params = lowerer.Params.ToImmutable(),
            Targets = lowerer.Targets.ToImmutable(),
            FanOuts = lowerer.FanOuts.ToImmutable(),
            Nodes = lowerer.Nodes.ToImmutable(),
            Outputs = lowerer.Outputs.ToImmutable(),
            Registrations = lowerer.Registrations.ToImmutable(),
            Policies = [.. compilation.Model.Policies.Where(p => p.Bound is not null).Select(PolicyLowerer.Lower)],
            Sweep = sweep is null ? null : SweepLowerer.Lower(compilation.Model.Sweeps.First(s => ReferenceEquals(s.Bound, sweep)).Name, sweep),
        };
        return new BuildResult(plan, [.. compilation.Diagnostics, .. diagnostics.ToImmutable()]);
    }

    private static PipelineSymbol? SelectEntry(Compilation compilation, BuildOptions options, DiagnosticBag diagnostics, out BoundSweep? sweep)
    {
        sweep = null;
        var module = compilation.EntryModule;
        var at = new SourceSpan(module.File, new TextSpan(0, 0));
        var pipelines = compilation.Model.Pipelines.Where(p => ReferenceEquals(p.Module, module)).ToList();
        var sweeps = compilation.Model.Sweeps.Where(s => ReferenceEquals(s.Module, module)).ToList();
        if (options.Sweep is { } sweepName)
        {
            var found = sweeps.FirstOrDefault(s => s.Name == sweepName);
            if (found?.Bound is null)
            {
                diagnostics.Report(DiagnosticCatalog.NoEntryPoint, at, NameSuggester.Suggest(sweepName, sweeps.Select(s => s.Name)), [], $"There is no sweep '{sweepName}' in {module.Path}; sweeps: {List(sweeps.Select(s => s.Name))}.");
                return null;
            }

            sweep = found.Bound;
            return found.Bound.Pipeline;
        }

        if (options.Pipeline is { } name)
        {
            var found = pipelines.FirstOrDefault(p => p.Name == name);
            if (found is null)
            {
                diagnostics.Report(DiagnosticCatalog.NoEntryPoint, at, NameSuggester.Suggest(name, pipelines.Select(p => p.Name)), [], $"There is no pipeline '{name}' in {module.Path}; pipelines: {List(pipelines.Select(p => p.Name))}.");
            }

            return found;
        }

        // Without a choice, the one pipeline nobody else calls is the entry.
        var roots = pipelines.Where(p => !pipelines.Any(q => q != p && CallsPipeline(q.Body, p))).ToList();
        if (roots.Count == 1)
        {
            return roots[0];
        }

        diagnostics.Report(
            DiagnosticCatalog.NoEntryPoint,
            at,
            roots.Count == 0
                ? $"{module.Path} declares no pipeline to build."
                : $"{module.Path} declares several pipelines ({List(roots.Select(p => p.Name))}): choose one with --pipeline NAME.");
        return null;
    }

    private static string List(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list);
    }

    private static bool CallsPipeline(BoundStatement? statement, PipelineSymbol target) => statement switch
    {
        BoundBlock b => b.Statements.Any(s => CallsPipeline(s, target)),
        BoundLet l => CallsPipeline(l.Value, target),
        BoundIf i => CallsPipeline(i.Then, target) || CallsPipeline(i.Else, target),
        BoundForStatement f => CallsPipeline(f.For, target),
        BoundExpressionStatement e => CallsPipeline(e.Expression, target),
        _ => false,
    };

    private static bool CallsPipeline(BoundExpression e, PipelineSymbol target) => e switch
    {
        BoundCall c => ReferenceEquals(c.Callee, target),
        BoundFor f => CallsPipeline(f.Body, target),
        _ => false,
    };

    internal static string Digest(string text)
    {
        using var sha = SHA256.Create();
        var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(text));
        return "sha256:" + string.Concat(hash.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }
}
