using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using MLOps.Language.Diagnostics;
using MLOps.Language.Syntax;

namespace MLOps.Language.Binding;

internal sealed partial class Binder
{
    private void BindParam(ParamSymbol param)
    {
        var decl = (ParamDeclarationSyntax)param.Declaration!;
        param.Type = BindType(decl.Type, param.Module);
        if (decl.Default is { } d)
        {
            var ctx = new BindContext(param.Module, ScopeOf(param.Module), ExpressionPlace.Constant);
            param.Default = BindConstant(d, ctx, param.Type, $"The default of '{param.Name}'");
        }
    }

    /// <summary>Binds an expression that must be known before the run (literals, params, env) and fit <paramref name="expected"/>.</summary>
    private BoundExpression BindConstant(ExpressionSyntax syntax, BindContext ctx, MlpType? expected, string what)
    {
        var bound = BindExpression(syntax, ctx, expected);
        if (!bound.Type.IsError && !ConstantEvaluator.IsCompileTime(bound))
        {
            diagnostics.Report(DiagnosticCatalog.NotConstant, syntax.Span, what);
            return new BoundError(syntax.Span);
        }

        return bound;
    }

    private void BindSignature(CallableSymbol callable)
    {
        var (inputs, outputs) = callable switch
        {
            StepSymbol s => (s.Declaration.Inputs, s.Declaration.Outputs),
            PipelineSymbol p => (p.Declaration.Parameters, p.Declaration.Outputs),
            _ => ([], []),
        };
        var ctx = ConstantContext(callable.Module);
        callable.Inputs = BindParameters(inputs, ctx, isOutput: false);
        callable.Outputs = BindParameters(outputs, ctx, isOutput: true, alsoTaken: callable.Inputs);
    }

    private ImmutableArray<ParameterSymbol> BindParameters(ImmutableArray<ParameterSyntax> parameters, BindContext ctx, bool isOutput, ImmutableArray<ParameterSymbol> alsoTaken = default)
    {
        var result = ImmutableArray.CreateBuilder<ParameterSymbol>(parameters.Length);

        // Taken names are those declared so far (and alsoTaken), searched there: signatures have
        // a handful of parameters, and a list of names per signature was garbage.
        foreach (var p in parameters)
        {
            var type = BindType(p.Type, ctx.Module);
            BoundExpression? defaultValue = null;
            if (p.Default is { } d)
            {
                if (isOutput)
                {
                    diagnostics.Report(DiagnosticCatalog.StatementNotAllowed, d.Span, "Outputs are written by the step; they cannot have default values.");
                }
                else
                {
                    defaultValue = BindConstant(d, ctx, type, $"The default of '{p.Name.Text}'");
                }
            }

            if (p.Name.IsMissing)
            {
                continue;
            }

            var symbol = new ParameterSymbol(p.Name.Text, p, type, defaultValue);
            model.Record(p, symbol);
            model.Record(p.Name, symbol);
            if (IsTaken(result, p.Name.Text) || (!alsoTaken.IsDefault && FindByName(alsoTaken, p.Name.Text) is not null))
            {
                var first = FindByName(result.ToImmutable(), p.Name.Text);
                Related(out var related, first, "first declared here");
                diagnostics.Report(DiagnosticCatalog.DuplicateDeclaration, p.Name.Span, null, related, p.Name.Text, isOutput ? "signature" : "parameter list");
                continue;
            }

            result.Add(symbol);
        }

        return result.Count == result.Capacity ? result.MoveToImmutable() : result.ToImmutable();
    }

    // By index: a builder has no struct enumerator, and foreach would allocate one per search.
    private static bool IsTaken(ImmutableArray<ParameterSymbol>.Builder declared, string name)
    {
        for (var i = 0; i < declared.Count; i++)
        {
            if (declared[i].Name == name)
            {
                return true;
            }
        }

        return false;
    }

    private void BindPipeline(PipelineSymbol pipeline)
    {
        currentPipeline = pipeline;
        var scope = new Scope(ScopeOf(pipeline.Module));
        var parameterLocals = ImmutableArray.CreateBuilder<LocalSymbol>();
        foreach (var input in pipeline.Inputs)
        {
            var local = new LocalSymbol(input.Name, input.Declaration!, input.Type, LocalKind.PipelineParameter) { IsUsed = true };
            scope.TryDeclare(local, out _);
            parameterLocals.Add(local);
        }

        pipeline.ParameterLocals = parameterLocals.ToImmutable();

        var ctx = new BindContext(pipeline.Module, scope, ExpressionPlace.Pipeline);
        var body = pipeline.Declaration.Body;
        var bound = BindBlock(body, ctx, BlockKind.PipelineBody, out var returned);
        pipeline.Body = bound;
        if (!returned && pipeline.Outputs.Length > 0 && !pipeline.Declaration.Name.IsMissing)
        {
            diagnostics.Report(DiagnosticCatalog.MissingReturn, pipeline.Declaration.Name.Span, pipeline.Name);
        }

        currentPipeline = null;
    }

    private enum BlockKind
    {
        PipelineBody,
        If,
        ForBody,
    }

    private BoundBlock BindBlock(BlockSyntax block, BindContext ctx, BlockKind kind, out bool returned, List<BoundYield>? yields = null)
    {
        returned = false;
        var statements = ImmutableArray.CreateBuilder<BoundStatement>();
        var locals = new List<LocalSymbol>();
        var reportedUnreachable = false;
        foreach (var statement in block.Statements)
        {
            if (returned && !reportedUnreachable)
            {
                diagnostics.Report(DiagnosticCatalog.UnreachableCode, statement.Span);
                reportedUnreachable = true;
            }

            var bound = BindStatement(statement, ctx, kind, locals, yields);
            if (bound is BoundReturn)
            {
                returned = true;
            }

            if (bound is not null)
            {
                statements.Add(bound);
            }
        }

        foreach (var local in locals)
        {
            if (!local.IsUsed && !local.Name.StartsWith("_", System.StringComparison.Ordinal))
            {
                diagnostics.Report(DiagnosticCatalog.UnusedLet, local.Span, local.Name);
            }
        }

        return new BoundBlock(statements.ToImmutable(), block.Span);
    }

    private BoundStatement? BindStatement(StatementSyntax statement, BindContext ctx, BlockKind kind, List<LocalSymbol> locals, List<BoundYield>? yields)
    {
        switch (statement)
        {
            case LetStatementSyntax let:
                var value = let.Value is ForExpressionSyntax f ? BindFor(f, ctx, asValue: true) : BindExpression(let.Value, ctx);
                if (let.Name.IsMissing)
                {
                    return null;
                }

                if (value.Type is ModuleType or StepOutputsType)
                {
                    diagnostics.Report(DiagnosticCatalog.TypeMismatch, let.Value.Span, "a value", value.Type.Display);
                }

                var local = new LocalSymbol(let.Name.Text, let, value.Type, LocalKind.Let);
                model.Record(let, local);
                model.Record(let.Name, local);
                if (ctx.Scope.Lookup(let.Name.Text) is { } existing && (existing is LocalSymbol || ReferenceEquals(ctx.Scope, ScopeOf(ctx.Module))))
                {
                    Related(out var related, existing, "first declared here");
                    if (existing is LocalSymbol el && related.IsEmpty)
                    {
                        related = [new Diagnostics.RelatedLocation(el.Span, "first declared here")];
                    }

                    diagnostics.Report(DiagnosticCatalog.DuplicateDeclaration, let.Name.Span, null, related, let.Name.Text, "pipeline");
                    return new BoundLet(local, value, let.Span);
                }

                ctx.Scope.Set(local.Name, local);
                locals.Add(local);
                return new BoundLet(local, value, let.Span);

            case IfStatementSyntax ifs:
                return BindIf(ifs, ctx, locals, yields);

            case ElseBlockSyntax e:
                return BindBlock(e.Block, ctx.Nested(), BlockKind.If, out _, yields);

            case ForStatementSyntax fs:
                return new BoundForStatement(BindFor(fs.For, ctx, asValue: false), fs.Span);

            case RegisterStatementSyntax reg:
                return BindRegister(reg, ctx);

            case ReturnStatementSyntax ret:
                if (kind != BlockKind.PipelineBody)
                {
                    diagnostics.Report(DiagnosticCatalog.StatementNotAllowed, ret.Span, "'return' must be at the top level of the pipeline body, not inside 'if' or 'for'.");
                    BindExpression(ret.Value, ctx);
                    return null;
                }

                return BindReturn(ret, ctx);

            case YieldStatementSyntax y:
                var yielded = BindExpression(y.Value, ctx);
                if (yields is null)
                {
                    diagnostics.Report(DiagnosticCatalog.StatementNotAllowed, y.Span, "'yield' is only allowed inside a 'for' body.");
                    return null;
                }

                var by = new BoundYield(yielded, y.Span);
                yields.Add(by);
                return by;

            case ExpressionStatementSyntax es:
                if (es.Expression is not CallSyntax && !es.Expression.IsMissing)
                {
                    BindExpression(es.Expression, ctx);
                    diagnostics.Report(DiagnosticCatalog.NoEffect, es.Span);
                    return null;
                }

                return new BoundExpressionStatement(BindExpression(es.Expression, ctx), es.Span);

            default:
                return null;
        }
    }

    private BoundIf BindIf(IfStatementSyntax ifs, BindContext ctx, List<LocalSymbol> locals, List<BoundYield>? yields)
    {
        var condition = BindExpression(ifs.Condition, ctx, PrimitiveType.Bool);
        var then = BindBlock(ifs.Then, ctx.Nested(), BlockKind.If, out _, yields);
        BoundStatement? elseBranch = ifs.Else switch
        {
            IfStatementSyntax nested => BindIf(nested, ctx, locals, yields),
            ElseBlockSyntax e => BindBlock(e.Block, ctx.Nested(), BlockKind.If, out _, yields),
            _ => null,
        };
        return new BoundIf(condition, then, elseBranch, ifs.Span);
    }

    private BoundFor BindFor(ForExpressionSyntax f, BindContext ctx, bool asValue)
    {
        var items = BindExpression(f.Items, ctx);
        MlpType element = ErrorType.Instance;
        if (items.Type is ListType list)
        {
            element = list.Element;
        }
        else if (!items.Type.IsError)
        {
            diagnostics.Report(DiagnosticCatalog.NotIterable, f.Items.Span, items.Type.Display);
        }

        var bodyCtx = ctx.Nested();
        var variable = new LocalSymbol(f.Variable.Text, f, element, LocalKind.LoopVariable);
        if (!f.Variable.IsMissing)
        {
            bodyCtx.Scope.Set(variable.Name, variable);
            model.Record(f.Variable, variable);
        }

        var yields = new List<BoundYield>();
        var body = BindBlock(f.Body, bodyCtx, BlockKind.ForBody, out _, yields);
        if (!variable.IsUsed && !f.Variable.IsMissing && !variable.Name.StartsWith("_", System.StringComparison.Ordinal))
        {
            diagnostics.Report(DiagnosticCatalog.UnusedLet, variable.Span, variable.Name);
        }

        BoundExpression? yielded = null;
        if (yields.Count > 1)
        {
            diagnostics.Report(DiagnosticCatalog.StatementNotAllowed, yields[1].Span, "A 'for' body yields one value per item: keep a single 'yield'.");
        }

        if (yields.Count > 0)
        {
            yielded = yields[0].Value;
        }
        else if (asValue)
        {
            diagnostics.Report(DiagnosticCatalog.StatementNotAllowed, f.Span, "A 'for' used as a value needs 'yield <value>' in its body.");
        }

        var type = yielded is null ? (MlpType)ErrorType.Instance : yielded.Type.IsError ? ErrorType.Instance : new ListType(yielded.Type);
        return new BoundFor(variable, items, body, yielded, type, f.Span);
    }

    private BoundStatement? BindRegister(RegisterStatementSyntax reg, BindContext ctx)
    {
        var artifact = BindExpression(reg.Artifact, ctx);
        if (!artifact.Type.IsError && artifact.Type is not ArtifactType)
        {
            diagnostics.Report(DiagnosticCatalog.InvalidRegistration, reg.Artifact.Span, $"Only artifacts can be registered as model versions; this is '{artifact.Type.Display}'.");
        }

        string? modelName = null;
        if (reg.ModelName is StringLiteralSyntax { IsConstant: true } s && s.ConstantValue.Length > 0)
        {
            modelName = s.ConstantValue;
        }
        else if (!reg.ModelName.IsMissing)
        {
            BindExpression(reg.ModelName, ctx);
            diagnostics.Report(DiagnosticCatalog.InvalidRegistration, reg.ModelName.Span, "The model name must be a non-empty string literal such as \"churn\".");
        }

        BoundExpression? metrics = null;
        BoundExpression? tags = null;
        if (reg.With is { } with)
        {
            foreach (var field in with.Fields)
            {
                switch (field.Name.Text)
                {
                    case "metrics":
                        metrics = BindExpression(field.Value, ctx);
                        if (!metrics.Type.IsError && metrics.Type is not RecordType)
                        {
                            diagnostics.Report(DiagnosticCatalog.TypeMismatch, field.Value.Span, "a record of metrics", metrics.Type.Display);
                            metrics = null;
                        }

                        break;
                    case "tags":
                        tags = BindExpression(field.Value, ctx, new MapType(PrimitiveType.String));
                        break;
                    default:
                        BindExpression(field.Value, ctx);
                        if (!field.Name.IsMissing)
                        {
                            diagnostics.Report(DiagnosticCatalog.UnknownField, field.Name.Span, NameSuggester.Suggest(field.Name.Text, ["metrics", "tags"]), [], "register ... with", field.Name.Text);
                        }

                        break;
                }
            }
        }

        if (modelName is null)
        {
            return null;
        }

        if (!model.RegisteredModels.ContainsKey(modelName) || model.RegisteredModels[modelName].IsError)
        {
            model.RegisteredModels[modelName] = metrics?.Type ?? ErrorType.Instance;
        }

        return new BoundRegister(artifact, modelName, metrics, tags, reg.Span);
    }

    private BoundReturn BindReturn(ReturnStatementSyntax ret, BindContext ctx)
    {
        var pipeline = currentPipeline!;
        var expected = new RecordType(null, [.. pipeline.Outputs.Select(o => new FieldSymbol(o.Name, o.Type))]);
        var value = BindExpression(ret.Value, ctx);
        if (!value.Type.IsError)
        {
            if (value is BoundRecord record)
            {
                // Field by field, so each mistake points at its own field.
                foreach (var output in pipeline.Outputs.Where(o => record.Fields.All(f => f.Key != o.Name)))
                {
                    diagnostics.Report(DiagnosticCatalog.MissingReturnField, ret.Value.Span, output.Name);
                }

                var syntax = (RecordLiteralSyntax)Unparenthesize(ret.Value);
                foreach (var field in record.Fields)
                {
                    var fieldSyntax = syntax.Fields.First(f => f.Name.Text == field.Key);
                    var output = FindByName(pipeline.Outputs, field.Key);
                    if (output is null)
                    {
                        diagnostics.Report(DiagnosticCatalog.UnknownOutput, fieldSyntax.Name.Span, NameSuggester.Suggest(field.Key, pipeline.Outputs.Select(o => o.Name)), [], pipeline.Name, field.Key);
                        continue;
                    }

                    CheckAssignable(field.Value, output.Type, fieldSyntax.Value.Span);
                }
            }
            else
            {
                CheckAssignable(value, expected, ret.Value.Span);
            }
        }

        return new BoundReturn(value, ret.Span);
    }

    private static ExpressionSyntax Unparenthesize(ExpressionSyntax e)
    {
        while (e is ParenthesizedSyntax p)
        {
            e = p.Inner;
        }

        return e;
    }
}
