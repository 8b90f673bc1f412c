using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using MLOps.Language.Diagnostics;
using MLOps.Language.Syntax;

namespace MLOps.Language.Binding;

internal sealed partial class Binder
{
    private readonly List<(PipelineSymbol Caller, PipelineSymbol Callee, CallSyntax Site)> pipelineCalls = [];
    private PipelineSymbol? currentPipeline;

    private BoundExpression BindCall(CallSyntax call, BindContext ctx)
    {
        var callee = ResolveCallee(call.Callee, ctx, out var failed);
        if (failed)
        {
            BindArgumentsForErrors(call, ctx);
            return new BoundError(call.Span);
        }

        if (callee is null && call.Callee is NameExpressionSyntax { Name.Text: "env" })
        {
            return BindEnv(call, ctx);
        }

        if (callee is null)
        {
            var name = call.Callee is NameExpressionSyntax n ? n.Name.Text : call.Callee.Span.Text;
            diagnostics.Report(DiagnosticCatalog.UnknownName, call.Callee.Span, NameSuggester.Suggest(name, CallableCandidates(ctx.Module)), [], name);
            BindArgumentsForErrors(call, ctx);
            return new BoundError(call.Span);
        }

        if (callee is not CallableSymbol callable)
        {
            diagnostics.Report(DiagnosticCatalog.NotCallable, call.Callee.Span, callee.Name, callee.KindName);
            BindArgumentsForErrors(call, ctx);
            return new BoundError(call.Span);
        }

        if (ctx.Place != ExpressionPlace.Pipeline)
        {
            diagnostics.Report(DiagnosticCatalog.StatementNotAllowed, call.Span, $"The {callable.KindName} '{callable.Name}' can only be called inside a pipeline.");
            return new BoundError(call.Span);
        }

        if (callable is PipelineSymbol called && currentPipeline is { } caller)
        {
            pipelineCalls.Add((caller, called, call));
        }

        var arguments = BindArguments(callable, call, ctx);
        return new BoundCall(callable, arguments, call, call.Span);
    }

    private Symbol? ResolveCallee(ExpressionSyntax callee, BindContext ctx, out bool failed)
    {
        failed = false;
        switch (callee)
        {
            case NameExpressionSyntax n when !n.IsMissing:
                var symbol = ctx.Scope.Lookup(n.Name.Text);
                if (symbol is not null)
                {
                    model.Record(n, symbol);
                    model.Record(n.Name, symbol);
                }

                return symbol;
            case MemberAccessSyntax { Target: NameExpressionSyntax moduleName } m when ctx.Scope.Lookup(moduleName.Name.Text) is ImportedModuleSymbol:
                var qualified = LookupQualified([moduleName.Name, m.Member], ctx.Module, out failed);
                return qualified;
            default:
                // Something computed: bind it for its own errors, then say it cannot be called.
                var value = BindExpression(callee, ctx);
                failed = true;
                if (!value.Type.IsError)
                {
                    diagnostics.Report(DiagnosticCatalog.NotCallable, callee.Span, callee.Span.Text, "value of type " + value.Type.Display);
                }

                return null;
        }
    }

    private void BindArgumentsForErrors(CallSyntax call, BindContext ctx)
    {
        foreach (var a in call.Arguments)
        {
            BindExpression(a.Value, ctx);
        }
    }

    private BoundExpression BindEnv(CallSyntax call, BindContext ctx)
    {
        if (call.Arguments.Length != 1)
        {
            diagnostics.Report(DiagnosticCatalog.WrongArgumentCount, call.Span, "env", 1, call.Arguments.Length);
            return new BoundError(call.Span);
        }

        var arg = call.Arguments[0];
        if (arg.Value is not StringLiteralSyntax { IsConstant: true } name || name.ConstantValue.Length == 0)
        {
            BindExpression(arg.Value, ctx);
            diagnostics.Report(DiagnosticCatalog.NotConstant, arg.Value.Span, "The variable name given to env()");
            return new BoundError(call.Span);
        }

        model.Record(arg.Value, PrimitiveType.String);
        return new BoundEnv(name.ConstantValue, call.Span);
    }

    private ImmutableArray<KeyValuePair<ParameterSymbol, BoundExpression>> BindArguments(CallableSymbol callee, CallSyntax call, BindContext ctx)
    {
        // The arguments bound so far are the ones given: searched there (calls pass a handful)
        // rather than kept in a list of names per call.
        var result = ImmutableArray.CreateBuilder<KeyValuePair<ParameterSymbol, BoundExpression>>(call.Arguments.Length);
        foreach (var arg in call.Arguments)
        {
            if (arg.Name is null)
            {
                var guess = NotGiven(callee.Inputs, result).FirstOrDefault() ?? "name";
                diagnostics.Report(DiagnosticCatalog.PositionalArgument, arg.Span, guess);
                BindExpression(arg.Value, ctx);
                continue;
            }

            if (arg.Name.IsMissing)
            {
                BindExpression(arg.Value, ctx);
                continue;
            }

            var parameter = FindByName(callee.Inputs, arg.Name.Text);
            if (parameter is null)
            {
                diagnostics.Report(
                    DiagnosticCatalog.UnknownArgument,
                    arg.Name.Span,
                    NameSuggester.Suggest(arg.Name.Text, NotGiven(callee.Inputs, result)),
                    [],
                    callee.Name,
                    arg.Name.Text);
                BindExpression(arg.Value, ctx);
                continue;
            }

            model.Record(arg.Name, parameter);
            if (IsGiven(result, parameter.Name))
            {
                diagnostics.Report(DiagnosticCatalog.DuplicateArgument, arg.Name.Span, arg.Name.Text);
                BindExpression(arg.Value, ctx);
                continue;
            }

            var value = BindExpression(arg.Value, ctx, parameter.Type);
            result.Add(new(parameter, value));
        }

        foreach (var input in callee.Inputs)
        {
            if (input.IsRequired && !IsGiven(result, input.Name))
            {
                diagnostics.Report(DiagnosticCatalog.MissingArgument, call.Callee.Span, callee.Name, input.Name, input.Type.Display);
            }
        }

        return result.Count == result.Capacity ? result.MoveToImmutable() : result.ToImmutable();
    }

    // Out of BindCall: a lambda capturing its parameters there would allocate its closure on entry, for every call bound.
    private IEnumerable<string> CallableCandidates(ModuleSymbol module) =>
        ScopeOf(module).AllNames().Where(x => ScopeOf(module).Lookup(x) is CallableSymbol).Concat(["env"]);

    // By index: a builder has no struct enumerator, and foreach would allocate one per search.
    private static bool IsGiven(ImmutableArray<KeyValuePair<ParameterSymbol, BoundExpression>>.Builder given, string name)
    {
        for (var i = 0; i < given.Count; i++)
        {
            if (given[i].Key.Name == name)
            {
                return true;
            }
        }

        return false;
    }

    // Out of BindArguments: a lambda there would allocate its closure on every call bound.
    private static IEnumerable<string> NotGiven(ImmutableArray<ParameterSymbol> inputs, ImmutableArray<KeyValuePair<ParameterSymbol, BoundExpression>>.Builder given) =>
        inputs.Select(i => i.Name).Where(n => !IsGiven(given, n));

    private void CheckPipelineCycles()
    {
        var reported = new HashSet<PipelineSymbol>();

        // Calls by caller, in the order they were bound, so each step of the search does not scan every call.
        var callsFrom = new Dictionary<PipelineSymbol, List<(PipelineSymbol Caller, PipelineSymbol Callee, CallSyntax Site)>>();
        foreach (var call in pipelineCalls)
        {
            if (!callsFrom.TryGetValue(call.Caller, out var list))
            {
                callsFrom[call.Caller] = list = [];
            }

            list.Add(call);
        }

        foreach (var start in pipelineCalls.Select(c => c.Caller).Distinct())
        {
            // Depth-first from each pipeline; a path back to the start is a cycle, reported once at its first call.
            var stack = new Stack<(PipelineSymbol Node, List<PipelineSymbol> Path, CallSyntax? FirstSite)>();
            stack.Push((start, [start], null));
            var seen = new HashSet<PipelineSymbol>();
            while (stack.Count > 0)
            {
                var (node, path, site) = stack.Pop();
                foreach (var edge in callsFrom.TryGetValue(node, out var edges) ? edges : [])
                {
                    var firstSite = site ?? edge.Site;
                    if (ReferenceEquals(edge.Callee, start))
                    {
                        if (reported.Add(start))
                        {
                            var chain = string.Join(" -> ", path.Concat([start]).Select(p => p.Name));
                            diagnostics.Report(DiagnosticCatalog.PipelineCycle, firstSite.Callee.Span, start.Name, chain);
                        }

                        continue;
                    }

                    if (seen.Add(edge.Callee))
                    {
                        stack.Push((edge.Callee, [.. path, edge.Callee], firstSite));
                    }
                }
            }
        }
    }
}
