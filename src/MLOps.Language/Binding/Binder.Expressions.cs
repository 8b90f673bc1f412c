using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using MLOps.Language.Diagnostics;
using MLOps.Language.Syntax;
using MLOps.Language.Text;

namespace MLOps.Language.Binding;

/// <summary>Where an expression is bound decides what it may refer to.</summary>
internal enum ExpressionPlace
{
    /// <summary>Param defaults, target properties, sweep settings: literals, params, env().</summary>
    Constant,

    /// <summary>Step properties: also the step's inputs and, in <c>run</c>, <c>out</c>.</summary>
    Step,

    /// <summary>Pipeline bodies: locals, calls of steps and pipelines.</summary>
    Pipeline,

    /// <summary>Policy rules: <c>candidate</c> and alias holders.</summary>
    Policy,
}

internal sealed record BindContext(ModuleSymbol Module, Scope Scope, ExpressionPlace Place)
{
    public StepSymbol? Step { get; init; }

    public bool AllowOut { get; init; }

    public string? PolicyModel { get; init; }

    public MlpType PolicyMetrics { get; init; } = ErrorType.Instance;

    public List<string>? ReadAliases { get; init; }

    public BindContext Nested() => this with { Scope = new Scope(Scope) };
}

internal sealed partial class Binder
{
    private BoundExpression BindExpression(ExpressionSyntax syntax, BindContext ctx, MlpType? expected = null)
    {
        var bound = BindExpressionCore(syntax, ctx);
        model.Record(syntax, bound.Type);
        if (expected is not null)
        {
            CheckAssignable(bound, expected, syntax.Span);
        }

        return bound;
    }

    /// <summary>Reports MLP2003 unless <paramref name="bound"/> fits <paramref name="expected"/>; returns whether it fits.</summary>
    private bool CheckAssignable(BoundExpression bound, MlpType expected, SourceSpan span)
    {
        if (TypeFacts.IsAssignable(bound.Type, expected))
        {
            return true;
        }

        if (bound.Type is RecordType actual && expected is RecordType want && ReportRecordField(actual, want, span))
        {
            return false;
        }

        diagnostics.Report(DiagnosticCatalog.TypeMismatch, span, expected.Display, bound.Type.Display);
        return false;
    }

    /// <summary>
    /// Says which field is wrong rather than printing two whole record types. A method of its own:
    /// its closures would otherwise be allocated on every check, even of types that fit.
    /// </summary>
    private bool ReportRecordField(RecordType actual, RecordType want, SourceSpan span)
    {
        foreach (var f in want.Fields.Where(f => actual.Find(f.Name) is null))
        {
            diagnostics.Report(DiagnosticCatalog.MissingReturnField, span, f.Name);
            return true;
        }

        foreach (var f in actual.Fields.Where(f => want.Find(f.Name) is null))
        {
            diagnostics.Report(DiagnosticCatalog.UnknownField, span, NameSuggester.Suggest(f.Name, want.Fields.Select(x => x.Name)), [], want.Display, f.Name);
            return true;
        }

        return false;
    }

    private BoundExpression BindExpressionCore(ExpressionSyntax syntax, BindContext ctx)
    {
        switch (syntax)
        {
            case MissingExpressionSyntax:
                return new BoundError(syntax.Span);
            case LiteralSyntax lit:
                return BindLiteral(lit);
            case StringLiteralSyntax s:
                return BindString(s, ctx);
            case ParenthesizedSyntax p:
                return BindExpression(p.Inner, ctx);
            case NameExpressionSyntax n:
                return BindName(n, ctx);
            case AliasReferenceSyntax a:
                return BindAliasRef(a.Name, a.Span, ctx, explicitSyntax: true);
            case MemberAccessSyntax m:
                return BindMember(m, ctx);
            case CallSyntax c:
                return BindCall(c, ctx);
            case UnarySyntax u:
                return BindUnary(u, ctx);
            case BinarySyntax b:
                return BindBinary(b, ctx);
            case ListLiteralSyntax l:
                return BindList(l, ctx);
            case RecordLiteralSyntax r:
                return BindRecord(r, ctx);
            case ForExpressionSyntax f:
                if (ctx.Place != ExpressionPlace.Pipeline)
                {
                    diagnostics.Report(DiagnosticCatalog.StatementNotAllowed, f.Span, "'for' fan-outs are only allowed in pipelines.");
                    return new BoundError(f.Span);
                }

                return BindFor(f, ctx, asValue: true);
            case ConstructorSyntax k:
                diagnostics.Report(DiagnosticCatalog.StatementNotAllowed, k.Span, $"'{k.Kind.Text} {{ ... }}' is only allowed as the value of a sweep's sampler or pruner.");
                return new BoundError(k.Span);
            case ObjectiveSyntax o:
                diagnostics.Report(DiagnosticCatalog.StatementNotAllowed, o.Span, "'maximize' and 'minimize' are only allowed in a sweep's objective.");
                return new BoundError(o.Span);
            default:
                return new BoundError(syntax.Span);
        }
    }

    private static BoundExpression BindLiteral(LiteralSyntax lit) => lit.Kind switch
    {
        LiteralKind.Int => new BoundLiteral(PrimitiveType.Int, lit.Value, lit.Span),
        LiteralKind.Float => new BoundLiteral(PrimitiveType.Float, lit.Value, lit.Span),
        LiteralKind.Bool => new BoundLiteral(PrimitiveType.Bool, lit.Value, lit.Span),
        LiteralKind.Duration => new BoundLiteral(PrimitiveType.Duration, lit.Value, lit.Span),
        LiteralKind.Size => new BoundLiteral(PrimitiveType.Size, lit.Value, lit.Span),
        LiteralKind.None => new BoundLiteral(PrimitiveType.None, null, lit.Span),
        _ => lit.Value is null ? new BoundError(lit.Span) : new BoundError(lit.Span),
    };

    private BoundExpression BindString(StringLiteralSyntax s, BindContext ctx)
    {
        // One bound part per syntax part: sized so the array is handed over, not copied.
        var parts = ImmutableArray.CreateBuilder<BoundExpression>(s.Parts.Length);
        foreach (var part in s.Parts)
        {
            switch (part)
            {
                case StringTextSyntax t:
                    parts.Add(new BoundLiteral(PrimitiveType.String, t.Value, t.Span));
                    break;
                case InterpolationSyntax i:
                    var value = BindExpression(i.Expression, ctx);
                    if (!TypeFacts.IsInterpolatable(value.Type))
                    {
                        diagnostics.Report(DiagnosticCatalog.InvalidInterpolationType, i.Expression.Span, value.Type.Display);
                        value = new BoundError(value.Span);
                    }

                    parts.Add(value);
                    break;
            }
        }

        return new BoundString(parts.Count == parts.Capacity ? parts.MoveToImmutable() : parts.ToImmutable(), s.Span);
    }

    private BoundExpression BindName(NameExpressionSyntax n, BindContext ctx)
    {
        if (n.IsMissing)
        {
            return new BoundError(n.Span);
        }

        var name = n.Name.Text;
        if (ctx.Place == ExpressionPlace.Step && name == "out" && ctx.Step is { } outStep)
        {
            if (!ctx.AllowOut)
            {
                diagnostics.Report(DiagnosticCatalog.StatementNotAllowed, n.Span, "'out' names where outputs are written; use it only in 'run'.");
                return new BoundError(n.Span);
            }

            return new BoundLiteral(new StepOutputsType(outStep), null, n.Span);
        }

        if (ctx.Place == ExpressionPlace.Policy && name == "candidate")
        {
            return new BoundModelRef("candidate", new ModelVersionType(ctx.PolicyModel ?? "", ctx.PolicyMetrics), n.Span);
        }

        var symbol = ctx.Scope.Lookup(name);
        if (symbol is null && ctx.Place == ExpressionPlace.Policy && model.Aliases.ContainsKey(name))
        {
            return BindAliasRef(n.Name, n.Span, ctx, explicitSyntax: false);
        }

        if (symbol is null)
        {
            var candidates = ctx.Scope.AllNames().Concat(ScopeOf(ctx.Module).AllNames());
            if (ctx.Place == ExpressionPlace.Policy)
            {
                candidates = candidates.Concat(["candidate"]).Concat(model.Aliases.Keys);
            }

            if (ctx.AllowOut)
            {
                candidates = candidates.Concat(["out"]);
            }

            diagnostics.Report(DiagnosticCatalog.UnknownName, n.Span, NameSuggester.Suggest(name, candidates.Distinct()), [], name);
            return new BoundError(n.Span);
        }

        model.Record(n, symbol);
        model.Record(n.Name, symbol);
        switch (symbol)
        {
            case LocalSymbol local:
                local.IsUsed = true;
                return new BoundLocalRef(local, n.Span);
            case ParamSymbol param:
                return new BoundParamRef(param, n.Span);
            case ParameterSymbol input:
                return new BoundInputRef(input, n.Span);
            case TargetSymbol target:
                return new BoundTargetRef(target, n.Span);
            case ImportedModuleSymbol module:
                return new BoundLiteral(new ModuleType(module.Module), null, n.Span);
            case TypeSymbol { Type: EnumType e }:
                return new BoundLiteral(new EnumTypeReference(e), null, n.Span);
            case CallableSymbol c:
                diagnostics.Report(DiagnosticCatalog.StatementNotAllowed, n.Span, $"The {c.KindName} '{c.Name}' must be called: write '{c.Name}(...)'.");
                return new BoundError(n.Span);
            default:
                diagnostics.Report(DiagnosticCatalog.StatementNotAllowed, n.Span, $"The {symbol.KindName} '{name}' cannot be used as a value.");
                return new BoundError(n.Span);
        }
    }

    private BoundExpression BindAliasRef(NameSyntax name, SourceSpan span, BindContext ctx, bool explicitSyntax)
    {
        if (name.IsMissing)
        {
            return new BoundError(span);
        }

        if (ctx.Place != ExpressionPlace.Policy)
        {
            diagnostics.Report(DiagnosticCatalog.StatementNotAllowed, span, "Model aliases like '@" + name.Text + "' can only be read in policies.");
            return new BoundError(span);
        }

        if (explicitSyntax && !model.Aliases.ContainsKey(name.Text))
        {
            diagnostics.Report(DiagnosticCatalog.UndeclaredAlias, span, NameSuggester.Suggest(name.Text, model.Aliases.Keys), [], name.Text);
        }

        if (model.Aliases.TryGetValue(name.Text, out var alias))
        {
            model.Record(name, alias);
        }

        if (ctx.ReadAliases is { } reads && !reads.Contains(name.Text))
        {
            reads.Add(name.Text);
        }

        return new BoundModelRef("@" + name.Text, new ModelVersionType(ctx.PolicyModel ?? "", ctx.PolicyMetrics), span);
    }

    private BoundExpression BindMember(MemberAccessSyntax m, BindContext ctx)
    {
        var target = BindExpression(m.Target, ctx);
        if (target.Type.IsError || m.Member.IsMissing)
        {
            return new BoundError(m.Span);
        }

        var name = m.Member.Text;
        switch (target.Type)
        {
            case CallResultType call:
                var output = FindByName(call.Callee.Outputs, name);
                if (output is null)
                {
                    diagnostics.Report(DiagnosticCatalog.UnknownOutput, m.Member.Span, NameSuggester.Suggest(name, call.Callee.Outputs.Select(o => o.Name)), [], call.Callee.Name, name);
                    return new BoundError(m.Span);
                }

                model.Record(m.Member, output);
                return new BoundMember(target, name, output.Type, m.Span);
            case StepOutputsType outs:
                var place = FindByName(outs.Step.Outputs, name);
                if (place is null)
                {
                    diagnostics.Report(DiagnosticCatalog.UnknownOutput, m.Member.Span, NameSuggester.Suggest(name, outs.Step.Outputs.Select(o => o.Name)), [], outs.Step.Name, name);
                    return new BoundError(m.Span);
                }

                model.Record(m.Member, place);
                return new BoundOutputPlace(place, m.Span);
            case RecordType record:
                var field = record.Find(name);
                if (field is null)
                {
                    ReportUnknownField(m, record, ctx);
                    return new BoundError(m.Span);
                }

                return new BoundMember(target, name, field.Type, m.Span);
            case ModelVersionType version:
                var shapeField = version.Shape.Find(name);
                if (shapeField is null)
                {
                    diagnostics.Report(DiagnosticCatalog.UnknownField, m.Member.Span, NameSuggester.Suggest(name, version.Shape.Fields.Select(f => f.Name)), [], version.Display, name);
                    return new BoundError(m.Span);
                }

                return new BoundMember(target, name, shapeField.Type, m.Span);
            case ModuleType module:
                return BindModuleMember(module, m, ctx);
            case EnumTypeReference e:
                if (!e.Enum.Members.Contains(name))
                {
                    diagnostics.Report(DiagnosticCatalog.UnknownField, m.Member.Span, NameSuggester.Suggest(name, e.Enum.Members), [], e.Enum.Name, name);
                    return new BoundError(m.Span);
                }

                return new BoundEnumMember(e.Enum, name, m.Span);
            case MapType map:
                return new BoundMember(target, name, map.Value, m.Span);
            default:
                diagnostics.Report(DiagnosticCatalog.UnknownField, m.Member.Span, target.Type.Display, name);
                return new BoundError(m.Span);
        }
    }

    private void ReportUnknownField(MemberAccessSyntax m, RecordType record, BindContext ctx)
    {
        var suggestion = NameSuggester.Suggest(m.Member.Text, record.Fields.Select(f => f.Name));
        if (ctx.Place == ExpressionPlace.Policy && m.Target is MemberAccessSyntax { Member.Text: "metrics" })
        {
            diagnostics.Report(DiagnosticCatalog.UnknownPolicyMetric, m.Member.Span, suggestion, [], ctx.PolicyModel, record.Display, m.Member.Text);
            return;
        }

        diagnostics.Report(DiagnosticCatalog.UnknownField, m.Member.Span, suggestion, [], record.Display, m.Member.Text);
    }

    private BoundExpression BindModuleMember(ModuleType module, MemberAccessSyntax m, BindContext ctx)
    {
        if (!module.Module.Members.TryGetValue(m.Member.Text, out var member) || member is ImportedModuleSymbol)
        {
            diagnostics.Report(DiagnosticCatalog.UnknownName, m.Member.Span, NameSuggester.Suggest(m.Member.Text, module.Module.Members.Keys), [], m.Member.Text);
            return new BoundError(m.Span);
        }

        model.Record(m.Member, member);
        return member switch
        {
            ParamSymbol p => new BoundParamRef(p, m.Span),
            TargetSymbol t => new BoundTargetRef(t, m.Span),
            TypeSymbol { Type: EnumType e } => new BoundLiteral(new EnumTypeReference(e), null, m.Span),
            _ => ReportNotValue(member, m.Span),
        };
    }

    private BoundError ReportNotValue(Symbol member, SourceSpan span)
    {
        diagnostics.Report(DiagnosticCatalog.StatementNotAllowed, span, $"The {member.KindName} '{member.Name}' cannot be used as a value here.");
        return new BoundError(span);
    }

    private BoundExpression BindUnary(UnarySyntax u, BindContext ctx)
    {
        var operand = BindExpression(u.Operand, ctx);
        if (operand.Type.IsError)
        {
            return new BoundError(u.Span);
        }

        var ok = u.Operator == UnaryOperator.Not
            ? operand.Type == PrimitiveType.Bool
            : operand.Type.IsNumeric || operand.Type == PrimitiveType.Duration;
        if (!ok)
        {
            diagnostics.Report(DiagnosticCatalog.TypeMismatch, u.Operand.Span, u.Operator == UnaryOperator.Not ? "bool" : "int, float or duration", operand.Type.Display);
            return new BoundError(u.Span);
        }

        return new BoundUnary(u.Operator, operand, operand.Type, u.Span);
    }

    private BoundExpression BindBinary(BinarySyntax b, BindContext ctx)
    {
        var left = BindExpression(b.Left, ctx);
        var right = BindExpression(b.Right, ctx);
        if (left.Type.IsError || right.Type.IsError)
        {
            return new BoundError(b.Span);
        }

        var result = BinaryResult(b.Operator, left.Type, right.Type);
        if (result is null)
        {
            diagnostics.Report(DiagnosticCatalog.InvalidOperands, b.Span, OperatorText(b.Operator), left.Type.Display, right.Type.Display);
            return new BoundError(b.Span);
        }

        return new BoundBinary(left, b.Operator, right, result, b.Span);
    }

    internal static MlpType? BinaryResult(BinaryOperator op, MlpType l, MlpType r)
    {
        static MlpType Unwrap(MlpType t) => t is OptionalType o ? o.Inner : t;
        switch (op)
        {
            case BinaryOperator.And or BinaryOperator.Or:
                return l == PrimitiveType.Bool && r == PrimitiveType.Bool ? PrimitiveType.Bool : null;
            case BinaryOperator.Equal or BinaryOperator.NotEqual:
                return TypeFacts.IsAssignable(l, r) || TypeFacts.IsAssignable(r, l) ? PrimitiveType.Bool : null;
            case BinaryOperator.In or BinaryOperator.NotIn:
                return r is ListType list && TypeFacts.IsAssignable(l, list.Element) ? PrimitiveType.Bool
                    : r is MapType && l == PrimitiveType.String ? PrimitiveType.Bool : null;
            case BinaryOperator.Less or BinaryOperator.LessOrEqual or BinaryOperator.Greater or BinaryOperator.GreaterOrEqual:
                l = Unwrap(l);
                r = Unwrap(r);
                return TypeFacts.IsOrderable(l) && (l.Equals(r) || (l.IsNumeric && r.IsNumeric)) ? PrimitiveType.Bool : null;
            case BinaryOperator.Add when l == PrimitiveType.String && r == PrimitiveType.String:
                return PrimitiveType.String;
            case BinaryOperator.Add or BinaryOperator.Subtract when (l == PrimitiveType.Duration || l == PrimitiveType.Size) && l.Equals(r):
                return l;
            case BinaryOperator.Multiply when (l == PrimitiveType.Duration || l == PrimitiveType.Size) && r.IsNumeric:
                return l;
            case BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply or BinaryOperator.Divide or BinaryOperator.Modulo:
                l = Unwrap(l);
                r = Unwrap(r);
                if (!l.IsNumeric || !r.IsNumeric)
                {
                    return null;
                }

                return l == PrimitiveType.Int && r == PrimitiveType.Int && op != BinaryOperator.Divide ? PrimitiveType.Int : PrimitiveType.Float;
            default:
                return null;
        }
    }

    internal static string OperatorText(BinaryOperator op) => op switch
    {
        BinaryOperator.Add => "+",
        BinaryOperator.Subtract => "-",
        BinaryOperator.Multiply => "*",
        BinaryOperator.Divide => "/",
        BinaryOperator.Modulo => "%",
        BinaryOperator.Less => "<",
        BinaryOperator.LessOrEqual => "<=",
        BinaryOperator.Greater => ">",
        BinaryOperator.GreaterOrEqual => ">=",
        BinaryOperator.Equal => "==",
        BinaryOperator.NotEqual => "!=",
        BinaryOperator.In => "in",
        BinaryOperator.NotIn => "not in",
        BinaryOperator.And => "and",
        _ => "or",
    };

    private BoundExpression BindList(ListLiteralSyntax l, BindContext ctx)
    {
        var items = l.Items.Select(i => BindExpression(i, ctx)).ToImmutableArray();
        MlpType element = ErrorType.Instance;
        foreach (var item in items.Where(i => !i.Type.IsError))
        {
            if (element.IsError)
            {
                element = item.Type;
            }
            else if (TypeFacts.IsAssignable(item.Type, element))
            {
                continue;
            }
            else if (TypeFacts.IsAssignable(element, item.Type))
            {
                element = item.Type;
            }
            else
            {
                diagnostics.Report(DiagnosticCatalog.TypeMismatch, item.Span, element.Display, item.Type.Display);
            }
        }

        return new BoundList(items, new ListType(element), l.Span);
    }

    private BoundExpression BindRecord(RecordLiteralSyntax r, BindContext ctx)
    {
        var fields = ImmutableArray.CreateBuilder<KeyValuePair<string, BoundExpression>>();
        var types = new List<FieldSymbol>();
        foreach (var f in r.Fields)
        {
            var value = BindExpression(f.Value, ctx);
            if (f.Name.IsMissing)
            {
                continue;
            }

            if (ContainsField(types, f.Name.Text))
            {
                diagnostics.Report(DiagnosticCatalog.DuplicateProperty, f.Name.Span, f.Name.Text);
                continue;
            }

            fields.Add(new(f.Name.Text, value));
            types.Add(new FieldSymbol(f.Name.Text, value.Type));
        }

        return new BoundRecord(fields.ToImmutable(), new RecordType(null, [.. types]), r.Span);
    }
}

/// <summary>The type of an enum's name used as a value (<c>Mode.fast</c> reads a member).</summary>
public sealed record EnumTypeReference(EnumType Enum) : MlpType
{
    public override string Display => $"enum {Enum.Name}";
}
