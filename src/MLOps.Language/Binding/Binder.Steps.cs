using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using MLOps.Language.Diagnostics;
using MLOps.Language.Syntax;
using MLOps.Language.Text;

namespace MLOps.Language.Binding;

internal sealed partial class Binder
{
    internal static readonly ImmutableArray<string> StepProperties = ["run", "image", "env", "resources", "retry", "timeout", "cache", "on"];

    private void BindStep(StepSymbol step)
    {
        var decl = step.Declaration;
        var scope = new Scope(ScopeOf(step.Module));
        foreach (var input in step.Inputs)
        {
            scope.Set(input.Name, input);
        }

        var ctx = new BindContext(step.Module, scope, ExpressionPlace.Step) { Step = step };
        var hasRun = false;
        BoundString? run = null;
        BoundExpression? image = null;
        var env = ImmutableArray<KeyValuePair<string, BoundExpression>>.Empty;
        var resources = new BoundResources(1, 0, 0, null);
        var retry = new BoundRetry(1, 0, 1);
        double? timeout = null;
        var cache = true;
        var target = TargetSymbol.Local;
        var properties = decl.Properties.Properties;
        for (var index = 0; index < properties.Length; index++)
        {
            var property = properties[index];
            var name = property.Name.Text;
            if (property.Name.IsMissing)
            {
                continue;
            }

            if (FirstProperty(properties, index, name) is { } first)
            {
                diagnostics.Report(DiagnosticCatalog.DuplicateProperty, property.Name.Span, null, [new RelatedLocation(first.Name.Span, "first set here")], name);
                continue;
            }

            switch (name)
            {
                case "run":
                    hasRun = true;
                    var runValue = BindExpression(property.Value, ctx with { AllowOut = true }, PrimitiveType.String);
                    run = runValue as BoundString ?? (runValue.Type.IsError ? null : new BoundString([runValue], runValue.Span));
                    break;
                case "image":
                    image = BindConstant(property.Value, ctx, PrimitiveType.String, "'image'");
                    break;
                case "env":
                    env = BindEnvironment(property.Value, ctx);
                    break;
                case "resources":
                    resources = BindResources(property.Value, ctx);
                    break;
                case "retry":
                    retry = BindRetry(property.Value, ctx);
                    break;
                case "timeout":
                    timeout = ConstantNumber(property.Value, ctx, PrimitiveType.Duration, "timeout", "2h or 30m") is { } t ? t : null;
                    break;
                case "cache":
                    var c = BindConstant(property.Value, ctx, PrimitiveType.Bool, "'cache'");
                    cache = !ConstantEvaluator.TryEvaluate(c, null, out var cv) || cv is not bool b || b;
                    break;
                case "on":
                    target = BindTargetReference(property.Value, ctx) ?? target;
                    break;
                default:
                    BindExpression(property.Value, ctx);
                    diagnostics.Report(DiagnosticCatalog.UnknownProperty, property.Name.Span, NameSuggester.Suggest(name, StepProperties), [], "step", name);
                    break;
            }
        }

        if (!hasRun && !decl.Name.IsMissing)
        {
            diagnostics.Report(DiagnosticCatalog.MissingProperty, decl.Name.Span, "step", "run");
        }

        step.Bound = new BoundStep(run ?? new BoundString([], decl.Span), image, env, resources, retry, timeout, cache, target);
    }

    /// <summary>
    /// An earlier property of that name, searched instead of kept in a dictionary: a step sets a
    /// handful of properties, and a dictionary per step was garbage for every step bound.
    /// </summary>
    private static PropertySyntax? FirstProperty(ImmutableArray<PropertySyntax> properties, int before, string name)
    {
        for (var i = 0; i < before; i++)
        {
            if (!properties[i].Name.IsMissing && properties[i].Name.Text == name)
            {
                return properties[i];
            }
        }

        return null;
    }

    private ImmutableArray<KeyValuePair<string, BoundExpression>> BindEnvironment(ExpressionSyntax syntax, BindContext ctx)
    {
        if (syntax is not RecordLiteralSyntax record)
        {
            BindExpression(syntax, ctx, new MapType(PrimitiveType.String));
            return [];
        }

        var result = ImmutableArray.CreateBuilder<KeyValuePair<string, BoundExpression>>();
        foreach (var field in record.Fields)
        {
            var value = BindExpression(field.Value, ctx);
            if (!value.Type.IsError && !TypeFacts.IsInterpolatable(value.Type))
            {
                diagnostics.Report(DiagnosticCatalog.TypeMismatch, field.Value.Span, "string", value.Type.Display);
                continue;
            }

            if (result.Any(r => r.Key == field.Name.Text))
            {
                diagnostics.Report(DiagnosticCatalog.DuplicateProperty, field.Name.Span, field.Name.Text);
                continue;
            }

            result.Add(new(field.Name.Text, value));
        }

        return result.ToImmutable();
    }

    private BoundResources BindResources(ExpressionSyntax syntax, BindContext ctx)
    {
        double cpu = 1;
        long memory = 0;
        var gpu = 0;
        string? gpuType = null;
        if (syntax is not RecordLiteralSyntax record)
        {
            var bound = BindExpression(syntax, ctx);
            if (!bound.Type.IsError)
            {
                diagnostics.Report(DiagnosticCatalog.TypeMismatch, syntax.Span, "{ cpu: int, memory: size, gpu: int }", bound.Type.Display);
            }

            return new BoundResources(cpu, memory, gpu, gpuType);
        }

        foreach (var field in record.Fields)
        {
            switch (field.Name.Text)
            {
                case "cpu":
                    if (ConstantNumber(field.Value, ctx, PrimitiveType.Float, "cpu", "a count such as 4", positive: true) is { } c)
                    {
                        cpu = c;
                    }

                    break;
                case "memory":
                    if (ConstantNumber(field.Value, ctx, PrimitiveType.Size, "memory", "a size such as 16GiB", positive: true) is { } m)
                    {
                        memory = (long)m;
                    }

                    break;
                case "gpu":
                    if (ConstantNumber(field.Value, ctx, PrimitiveType.Int, "gpu", "a count such as 1") is { } g)
                    {
                        gpu = (int)g;
                    }

                    break;
                case "gpu_type":
                    var t = BindConstant(field.Value, ctx, PrimitiveType.String, "'gpu_type'");
                    gpuType = ConstantEvaluator.TryEvaluate(t, null, out var tv) ? tv as string : null;
                    break;
                default:
                    BindExpression(field.Value, ctx);
                    diagnostics.Report(DiagnosticCatalog.UnknownResource, field.Name.Span, NameSuggester.Suggest(field.Name.Text, ["cpu", "memory", "gpu", "gpu_type"]), [], field.Name.Text);
                    break;
            }
        }

        return new BoundResources(cpu, memory, gpu, gpuType);
    }

    private BoundRetry BindRetry(ExpressionSyntax syntax, BindContext ctx)
    {
        var attempts = 1;
        double backoff = 0;
        double factor = 1;
        if (syntax is not RecordLiteralSyntax record)
        {
            // `retry = 3` is short for `retry = { attempts: 3 }`.
            if (ConstantNumber(syntax, ctx, PrimitiveType.Int, "retry", "a count such as 3, or { attempts: 3, backoff: 10s, factor: 2.0 }", positive: true) is { } n)
            {
                attempts = (int)n;
            }

            return new BoundRetry(attempts, backoff, factor);
        }

        foreach (var field in record.Fields)
        {
            switch (field.Name.Text)
            {
                case "attempts":
                    attempts = (int)(ConstantNumber(field.Value, ctx, PrimitiveType.Int, "attempts", "a count such as 3", positive: true) ?? 1);
                    break;
                case "backoff":
                    backoff = ConstantNumber(field.Value, ctx, PrimitiveType.Duration, "backoff", "a duration such as 10s") ?? 0;
                    break;
                case "factor":
                    factor = ConstantNumber(field.Value, ctx, PrimitiveType.Float, "factor", "a number such as 2.0", positive: true) ?? 1;
                    break;
                default:
                    BindExpression(field.Value, ctx);
                    diagnostics.Report(DiagnosticCatalog.UnknownField, field.Name.Span, NameSuggester.Suggest(field.Name.Text, ["attempts", "backoff", "factor"]), [], "retry", field.Name.Text);
                    break;
            }
        }

        return new BoundRetry(attempts, backoff, factor);
    }

    /// <summary>
    /// A compile-time number of the given kind (int, float, duration in seconds, size in bytes).
    /// A bare number where a unit is needed, or a unit where a count is needed, is MLP6004.
    /// </summary>
    private double? ConstantNumber(ExpressionSyntax syntax, BindContext ctx, PrimitiveType kind, string what, string example, bool positive = false)
    {
        var bound = BindExpression(syntax, ctx);
        if (bound.Type.IsError)
        {
            return null;
        }

        var fits = TypeFacts.IsAssignable(bound.Type, kind);
        if (!fits)
        {
            var unitMismatch = (kind == PrimitiveType.Duration || kind == PrimitiveType.Size) ? bound.Type.IsNumeric || bound.Type == PrimitiveType.Duration || bound.Type == PrimitiveType.Size
                : kind.IsNumeric && (bound.Type == PrimitiveType.Duration || bound.Type == PrimitiveType.Size);
            if (unitMismatch)
            {
                diagnostics.Report(DiagnosticCatalog.WrongUnit, syntax.Span, what, KindWord(kind), example);
            }
            else
            {
                diagnostics.Report(DiagnosticCatalog.TypeMismatch, syntax.Span, kind.Display, bound.Type.Display);
            }

            return null;
        }

        if (!ConstantEvaluator.IsCompileTime(bound) || bound is BoundEnv)
        {
            diagnostics.Report(DiagnosticCatalog.NotConstant, syntax.Span, $"'{what}'");
            return null;
        }

        if (!ConstantEvaluator.TryEvaluate(bound, null, out var value))
        {
            return null;
        }

        var number = ConstantEvaluator.ToDouble(value);
        if (double.IsNaN(number) || number < 0 || (positive && number == 0))
        {
            diagnostics.Report(DiagnosticCatalog.InvalidValue, syntax.Span, $"'{what}' must be {(positive ? "greater than zero" : "zero or more")}; it is {ConstantEvaluator.ToText(value)}.");
            return null;
        }

        return number;
    }

    private static string KindWord(PrimitiveType kind) =>
        kind == PrimitiveType.Duration ? "duration" : kind == PrimitiveType.Size ? "size" : "plain number (no unit)";

    private TargetSymbol? BindTargetReference(ExpressionSyntax syntax, BindContext ctx)
    {
        if (syntax is NameExpressionSyntax { Name.Text: "local" } local && ctx.Scope.Lookup("local") is null)
        {
            model.Record(local, TargetSymbol.Local);
            return TargetSymbol.Local;
        }

        var bound = BindExpression(syntax, ctx);
        if (bound is BoundTargetRef t)
        {
            return t.Target;
        }

        if (!bound.Type.IsError)
        {
            var symbol = model.GetSymbol(syntax);
            diagnostics.Report(DiagnosticCatalog.NotATarget, syntax.Span, syntax.Span.Text, symbol?.KindName ?? "value of type " + bound.Type.Display);
        }

        return null;
    }
}
