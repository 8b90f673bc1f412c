using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using Antlr4.Runtime;
using Antlr4.Runtime.Tree;
using MLOps.Language.Diagnostics;
using MLOps.Language.Syntax;
using MLOps.Language.Text;
using static MLOps.Language.Parsing.Generated.MlpParser;

namespace MLOps.Language.Parsing;

/// <summary>
/// Turns the ANTLR parse tree into the immutable syntax tree. Pieces error recovery could not
/// find become missing nodes (empty names, <see cref="MissingExpressionSyntax"/>), which later
/// stages skip silently. Literals are decoded here, and string interpolations parsed.
/// </summary>
internal sealed class TreeBuilder(SourceFile file, DiagnosticBag diagnostics)
{
    public CompilationUnitSyntax CompilationUnit(CompilationUnitContext ctx, ImmutableArray<Comment> comments) =>
        new(file, [.. ctx.declaration().Select(Declaration).Where(d => d is not null).Select(d => d!)], comments, new SourceSpan(file, new TextSpan(0, file.Text.Length)));

    private SourceSpan Span(ParserRuleContext? ctx)
    {
        if (ctx?.Start is null)
        {
            return new SourceSpan(file, new TextSpan(file.Text.Length, file.Text.Length));
        }

        var start = SyntaxParser.Span(file, ctx.Start).Span.Start;
        var stop = ctx.Stop is { } s && s.StopIndex >= s.StartIndex && s.StartIndex >= 0 ? SyntaxParser.Span(file, s).Span.End : start;
        return new SourceSpan(file, TextSpan.FromBounds(start, Math.Max(start, stop)));
    }

    private SourceSpan Span(IToken token) => SyntaxParser.Span(file, token);

    private static bool IsMissing(IToken? token) => token is null || token.StartIndex < 0 || token.TokenIndex < 0;

    private NameSyntax MemberName(MemberNameContext? ctx, ParserRuleContext? fallback = null) => NameOf(ctx, fallback);

    private NameSyntax Name(NameContext? ctx, ParserRuleContext? fallback = null) => NameOf(ctx, fallback);

    private NameSyntax NameOf(ParserRuleContext? ctx, ParserRuleContext? fallback)
    {
        if (ctx is null || ctx.exception is not null && ctx.Start is null || IsMissing(ctx.Start) || ctx.ChildCount == 0)
        {
            var at = fallback?.Stop is { } stop && !IsMissing(stop) ? new SourceSpan(file, new TextSpan(Span(stop).Span.End, Span(stop).Span.End)) : Span(fallback);
            return new NameSyntax("", at, Missing: true);
        }

        return new NameSyntax(ctx.GetText(), Span(ctx));
    }

    private DeclarationSyntax? Declaration(DeclarationContext ctx)
    {
        var span = Span(ctx);
        switch (ctx.GetChild(0))
        {
            case ImportDeclContext i:
                return new ImportSyntax(StringLiteral(i.STRING()?.Symbol, i), i.name() is { } alias ? Name(alias, i) : null, span);
            case TypeDeclContext t:
                return new TypeDeclarationSyntax(Name(t.name(), t), Type(t.typeRef(), t), span);
            case EnumDeclContext e:
                return new EnumDeclarationSyntax(Name(e.name().FirstOrDefault(), e), [.. e.name().Skip(1).Select(n => Name(n, e))], span);
            case ArtifactDeclContext a:
                return new ArtifactDeclarationSyntax(Name(a.name(), a), span);
            case ParamDeclContext p:
                return new ParamDeclarationSyntax(Name(p.name(), p), Type(p.typeRef(), p), p.expression() is { } d ? Expression(d, span) : null, span);
            case TargetDeclContext t:
                var names = t.name();
                return new TargetDeclarationSyntax(Name(names.ElementAtOrDefault(0), t), Name(names.ElementAtOrDefault(1), t), PropertyBlock(t.propertyBlock(), t), span);
            case StepDeclContext s:
                var lists = s.parameterList();
                return new StepDeclarationSyntax(Name(s.name(), s), Parameters(lists.ElementAtOrDefault(0)), Parameters(lists.ElementAtOrDefault(1)), PropertyBlock(s.propertyBlock(), s), span);
            case PipelineDeclContext p:
                var plists = p.parameterList();
                return new PipelineDeclarationSyntax(Name(p.name(), p), Parameters(plists.ElementAtOrDefault(0)), Parameters(plists.ElementAtOrDefault(1)), Block(p.block(), p), span);
            case SweepDeclContext s:
                return new SweepDeclarationSyntax(
                    Name(s.name(), s),
                    s.qualifiedName() is { } q ? [.. q.name().Select(n => Name(n, q))] : [new NameSyntax("", Span(s), Missing: true)],
                    [.. s.sweepMember().Select(SweepMember).Where(m => m is not null).Select(m => m!)],
                    span);
            case PolicyDeclContext p:
                return new PolicyDeclarationSyntax(Name(p.name(), p), StringLiteral(p.STRING()?.Symbol, p), [.. p.policyMember().Select(PolicyMember).Where(m => m is not null).Select(m => m!)], span);
            default:
                return null;
        }
    }

    private ImmutableArray<ParameterSyntax> Parameters(ParameterListContext? ctx) =>
        ctx is null ? [] : [.. ctx.parameter().Select(p => new ParameterSyntax(MemberName(p.memberName(), p), Type(p.typeRef(), p), p.expression() is { } d ? Expression(d, Span(p)) : null, Span(p)))];

    private TypeSyntax Type(TypeRefContext? ctx, ParserRuleContext parent)
    {
        switch (ctx)
        {
            case OptionalTypeContext o:
                return new OptionalTypeSyntax(Type(o.typeRef(), o), Span(o));
            case NamedTypeContext n:
                var q = n.qualifiedName();
                ImmutableArray<NameSyntax> names = q is null ? [Name(null, n)] : [.. q.name().Select(x => Name(x, q))];
                return new NamedTypeSyntax(names, [.. n.typeRef().Select(t => Type(t, n))], Span(n));
            case RecordTypeContext r:
                return new RecordTypeSyntax([.. r.fieldType().Select(f => new FieldTypeSyntax(Name(f.name(), f), Type(f.typeRef(), f), Span(f)))], Span(r));
            default:
                return new NamedTypeSyntax([Name(null, parent)], [], Span(parent));
        }
    }

    private PropertyBlockSyntax PropertyBlock(PropertyBlockContext? ctx, ParserRuleContext parent) =>
        ctx is null ? new PropertyBlockSyntax([], Span(parent)) : new PropertyBlockSyntax([.. ctx.property().Select(Property)], Span(ctx));

    private PropertySyntax Property(PropertyContext ctx)
    {
        var span = Span(ctx);
        ExpressionSyntax value = ctx.propertyValue() switch
        {
            ConstructorValueContext c => new ConstructorSyntax(Name(c.name(), c), RecordLiteral(c.recordLiteral(), c), Span(c)),
            ObjectiveValueContext o => new ObjectiveSyntax(o.direction?.Type == Generated.MlpLexer.MINIMIZE ? ObjectiveDirection.Minimize : ObjectiveDirection.Maximize, Expression(o.expression(), Span(o)), Span(o)),
            PlainValueContext p => Expression(p.expression(), span),
            _ => new MissingExpressionSyntax(EndOf(ctx)),
        };
        return new PropertySyntax(MemberName(ctx.memberName(), ctx), value, span);
    }

    private SourceSpan EndOf(ParserRuleContext ctx)
    {
        var span = Span(ctx);
        return new SourceSpan(file, new TextSpan(span.Span.End, span.Span.End));
    }

    private BlockSyntax Block(BlockContext? ctx, ParserRuleContext parent) =>
        ctx is null ? new BlockSyntax([], EndOf(parent)) : new BlockSyntax([.. ctx.statement().Select(Statement).Where(s => s is not null).Select(s => s!)], Span(ctx));

    private StatementSyntax? Statement(StatementContext ctx)
    {
        var span = Span(ctx);
        switch (ctx)
        {
            case LetStatementContext l:
                ExpressionSyntax value = l.forExpression() is { } forCtx ? For(forCtx) : Expression(l.expression(), span);
                return new LetStatementSyntax(Name(l.name(), l), value, span);
            case IfStatementAltContext i:
                return new IfStatementSyntax(Expression(i.expression(), span), Block(i.block(0), i), Else(i.block(1), i.ifStatement()), span);
            case ForStatementContext f:
                return new ForStatementSyntax(For(f.forExpression()), span);
            case RegisterStatementContext r:
                var exprs = r.expression();
                return new RegisterStatementSyntax(Expression(exprs.ElementAtOrDefault(0), span), Expression(exprs.ElementAtOrDefault(1), span), r.recordLiteral() is { } w ? RecordLiteral(w, r) : null, span);
            case ReturnStatementContext r:
                return new ReturnStatementSyntax(Expression(r.expression(), span), span);
            case YieldStatementContext y:
                return new YieldStatementSyntax(Expression(y.expression(), span), span);
            case ExpressionStatementContext e:
                return new ExpressionStatementSyntax(Expression(e.expression(), span), span);
            default:
                return null;
        }
    }

    private StatementSyntax? Else(BlockContext? block, IfStatementContext? nested)
    {
        if (block is not null)
        {
            return new ElseBlockSyntax(Block(block, block), Span(block));
        }

        if (nested is not null)
        {
            var span = Span(nested);
            return new IfStatementSyntax(Expression(nested.expression(), span), Block(nested.block(0), nested), Else(nested.block(1), nested.ifStatement()), span);
        }

        return null;
    }

    private ForExpressionSyntax For(ForExpressionContext? ctx)
    {
        if (ctx is null)
        {
            var at = new SourceSpan(file, new TextSpan(file.Text.Length, file.Text.Length));
            return new ForExpressionSyntax(new NameSyntax("", at, Missing: true), new MissingExpressionSyntax(at), new BlockSyntax([], at), at);
        }

        var span = Span(ctx);
        return new ForExpressionSyntax(Name(ctx.name(), ctx), Expression(ctx.expression(), span), Block(ctx.block(), ctx), span);
    }

    private SweepMemberSyntax? SweepMember(SweepMemberContext ctx) => ctx switch
    {
        DimensionContext d => new DimensionSyntax(Name(d.name(), d), Expression(d.expression(), Span(d)), Span(d)),
        SweepPropertyContext p when p.property() is { } prop => new SweepSettingSyntax(Property(prop), Span(p)),
        _ => null,
    };

    private PolicyMemberSyntax? PolicyMember(PolicyMemberContext ctx)
    {
        var span = Span(ctx);
        switch (ctx)
        {
            case ApprovalRuleContext a:
                return new ApprovalRuleSyntax(StringLiteral(a.STRING()?.Symbol, a), span);
            case RequireRuleContext r:
                return new RequireRuleSyntax(Expression(r.expression(), span), r.STRING() is { } m ? StringLiteral(m.Symbol, r) : null, span);
            case OnOutcomeContext o:
                var outcome = o.outcome?.Type == Generated.MlpLexer.FAIL ? PolicyOutcome.Fail : PolicyOutcome.Pass;
                return new OnOutcomeSyntax(outcome, [.. o.action().Select(Action).Where(a => a is not null).Select(a => a!)], span);
            default:
                return null;
        }
    }

    private PolicyActionSyntax? Action(ActionContext ctx)
    {
        var span = Span(ctx);
        return ctx switch
        {
            AliasActionContext a => new AliasActionSyntax(AliasRef(a.aliasRef(), a), span),
            TagActionContext t => new TagActionSyntax(RecordLiteral(t.recordLiteral(), t), span),
            NotifyActionContext n => new NotifyActionSyntax(Expression(n.expression(), span), n.recordLiteral() is { } w ? RecordLiteral(w, n) : null, span),
            _ => null,
        };
    }

    private AliasReferenceSyntax AliasRef(AliasRefContext? ctx, ParserRuleContext parent) =>
        ctx is null ? new AliasReferenceSyntax(Name(null, parent), EndOf(parent)) : new AliasReferenceSyntax(Name(ctx.name(), ctx), Span(ctx));

    private RecordLiteralSyntax RecordLiteral(RecordLiteralContext? ctx, ParserRuleContext parent)
    {
        if (ctx is null)
        {
            return new RecordLiteralSyntax([], EndOf(parent));
        }

        var fields = ImmutableArray.CreateBuilder<RecordFieldSyntax>();
        foreach (var f in ctx.recordField())
        {
            var fspan = Span(f);
            NameSyntax name;
            var quoted = false;
            if (f.STRING() is { } s && !IsMissing(s.Symbol))
            {
                var literal = StringLiteral(s.Symbol, f);
                name = new NameSyntax(literal.ConstantValue, literal.Span);
                quoted = true;
            }
            else
            {
                name = Name(f.name(), f);
            }

            fields.Add(new RecordFieldSyntax(name, quoted, Expression(f.expression(), fspan), fspan));
        }

        return new RecordLiteralSyntax(fields.ToImmutable(), Span(ctx));
    }

    public ExpressionSyntax Expression(ExpressionContext? ctx, SourceSpan fallback)
    {
        if (ctx is null || ctx.Start is null || (IsMissing(ctx.Start) && ctx.ChildCount <= 1))
        {
            var end = ctx?.Start is { } st && !IsMissing(st) ? Span(st) : new SourceSpan(file, new TextSpan(fallback.Span.End, fallback.Span.End));
            return new MissingExpressionSyntax(end);
        }

        var span = Span(ctx);
        switch (ctx)
        {
            case PrimaryExprContext p:
                return Primary(p.primary(), span);
            case MemberExprContext m:
                return new MemberAccessSyntax(Expression(m.expression(), span), Name(m.name(), m), span);
            case CallExprContext c:
                var args = c.argument().Select(a => new ArgumentSyntax(a.name() is { } n ? Name(n, a) : null, Expression(a.expression(), Span(a)), Span(a)));
                return new CallSyntax(Expression(c.expression(), span), [.. args], span);
            case UnaryExprContext u:
                var operand = Expression(u.expression(), span);
                if (u.op.Type == Generated.MlpLexer.MINUS && operand is LiteralSyntax { Kind: LiteralKind.Int or LiteralKind.Float } lit)
                {
                    // -3 is one literal: folding here keeps int ranges (the lowest int64) representable.
                    return lit with { Value = lit.Value is long l ? -l : -(double)lit.Value!, Text = "-" + lit.Text, Span = span };
                }

                return new UnarySyntax(u.op.Type == Generated.MlpLexer.NOT ? UnaryOperator.Not : UnaryOperator.Negate, operand, span);
            case MultiplicativeExprContext m:
                return Binary(m.expression(), m.op, span);
            case AdditiveExprContext a:
                return Binary(a.expression(), a.op, span);
            case RelationalExprContext r:
                return Binary(r.expression(), r.op, span);
            case EqualityExprContext e:
                return Binary(e.expression(), e.op, span);
            case InExprContext i:
                var ie = i.expression();
                return new BinarySyntax(Expression(ie.ElementAtOrDefault(0), span), i.NOT() is null ? BinaryOperator.In : BinaryOperator.NotIn, Expression(ie.ElementAtOrDefault(1), span), span);
            case AndExprContext a:
                var ae = a.expression();
                return new BinarySyntax(Expression(ae.ElementAtOrDefault(0), span), BinaryOperator.And, Expression(ae.ElementAtOrDefault(1), span), span);
            case OrExprContext o:
                var oe = o.expression();
                return new BinarySyntax(Expression(oe.ElementAtOrDefault(0), span), BinaryOperator.Or, Expression(oe.ElementAtOrDefault(1), span), span);
            default:
                return new MissingExpressionSyntax(span);
        }
    }

    private BinarySyntax Binary(ExpressionContext[] operands, IToken op, SourceSpan span)
    {
        var kind = op.Type switch
        {
            Generated.MlpLexer.STAR => BinaryOperator.Multiply,
            Generated.MlpLexer.SLASH => BinaryOperator.Divide,
            Generated.MlpLexer.PERCENT => BinaryOperator.Modulo,
            Generated.MlpLexer.PLUS => BinaryOperator.Add,
            Generated.MlpLexer.MINUS => BinaryOperator.Subtract,
            Generated.MlpLexer.LT => BinaryOperator.Less,
            Generated.MlpLexer.LE => BinaryOperator.LessOrEqual,
            Generated.MlpLexer.GT => BinaryOperator.Greater,
            Generated.MlpLexer.GE => BinaryOperator.GreaterOrEqual,
            Generated.MlpLexer.EQEQ => BinaryOperator.Equal,
            _ => BinaryOperator.NotEqual,
        };
        return new BinarySyntax(Expression(operands.ElementAtOrDefault(0), span), kind, Expression(operands.ElementAtOrDefault(1), span), span);
    }

    private ExpressionSyntax Primary(PrimaryContext? ctx, SourceSpan span)
    {
        switch (ctx)
        {
            case IntLiteralContext i:
                return Number(i.INT().Symbol, LiteralKind.Int);
            case FloatLiteralContext f:
                return Number(f.FLOAT().Symbol, LiteralKind.Float);
            case DurationLiteralContext d:
                return Unit(d.DURATION().Symbol, LiteralKind.Duration);
            case SizeLiteralContext s:
                return Unit(s.SIZE().Symbol, LiteralKind.Size);
            case StringLiteralContext s:
                return StringLiteral(s.STRING().Symbol, s);
            case BoolLiteralContext b:
                return new LiteralSyntax(LiteralKind.Bool, b.TRUE() is not null, b.GetText(), span);
            case NoneLiteralContext:
                return new LiteralSyntax(LiteralKind.None, null, "none", span);
            case AliasExprContext a:
                return AliasRef(a.aliasRef(), a);
            case NameExprContext n:
                return new NameExpressionSyntax(Name(n.name(), n), span);
            case ParenExprContext p:
                return new ParenthesizedSyntax(Expression(p.expression(), span), span);
            case ListLiteralContext l:
                return new ListLiteralSyntax([.. l.expression().Select(e => Expression(e, span))], span);
            case RecordExprContext r:
                return RecordLiteral(r.recordLiteral(), r);
            default:
                return new MissingExpressionSyntax(span);
        }
    }

    private LiteralSyntax Number(IToken token, LiteralKind kind)
    {
        var text = token.Text;
        var clean = text.Replace("_", "");
        var span = Span(token);
        if (kind == LiteralKind.Int)
        {
            if (long.TryParse(clean, NumberStyles.None, CultureInfo.InvariantCulture, out var l))
            {
                return new LiteralSyntax(kind, l, text, span);
            }

            diagnostics.Report(DiagnosticCatalog.InvalidNumber, span, text, "it does not fit in a 64-bit integer");
            return new LiteralSyntax(kind, 0L, text, span);
        }

        if (double.TryParse(clean, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && !double.IsInfinity(d))
        {
            return new LiteralSyntax(kind, d, text, span);
        }

        diagnostics.Report(DiagnosticCatalog.InvalidNumber, span, text, "it is too large");
        return new LiteralSyntax(kind, 0.0, text, span);
    }

    private static readonly (string Suffix, double Factor)[] DurationUnits = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];

    private static readonly (string Suffix, double Factor)[] SizeUnits =
    [
        ("KiB", 1024), ("MiB", 1024d * 1024), ("GiB", 1024d * 1024 * 1024), ("TiB", 1024d * 1024 * 1024 * 1024),
        ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("B", 1),
    ];

    private LiteralSyntax Unit(IToken token, LiteralKind kind)
    {
        var text = token.Text;
        var span = Span(token);
        var units = kind == LiteralKind.Duration ? DurationUnits.OrderByDescending(u => u.Suffix.Length) : SizeUnits.AsEnumerable();
        foreach (var (suffix, factor) in units)
        {
            if (!text.EndsWith(suffix, StringComparison.Ordinal))
            {
                continue;
            }

            var number = text.Substring(0, text.Length - suffix.Length).Replace("_", "");
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                break;
            }

            var value = n * factor;
            if (kind == LiteralKind.Size)
            {
                if (value > long.MaxValue || value % 1 != 0)
                {
                    diagnostics.Report(DiagnosticCatalog.InvalidNumber, span, text, value % 1 != 0 ? "a size must be a whole number of bytes" : "it is too large");
                    return new LiteralSyntax(kind, 0L, text, span);
                }

                return new LiteralSyntax(kind, (long)value, text, span);
            }

            return new LiteralSyntax(kind, value, text, span);
        }

        diagnostics.Report(DiagnosticCatalog.InvalidNumber, span, text, "unknown unit");
        return new LiteralSyntax(kind, kind == LiteralKind.Size ? 0L : 0.0, text, span);
    }

    private static readonly HashSet<string> HardKeywords =
        ["import", "enum", "let", "if", "else", "for", "in", "register", "return", "true", "false", "none", "and", "or", "not"];

    /// <summary>
    /// Most interpolations are <c>name</c> or <c>a.b.c</c>: build those directly (the same tree the
    /// parser would give) instead of starting a parser for each one.
    /// </summary>
    private ExpressionSyntax? DottedName(int start, int end)
    {
        var text = file.Text;
        var i = start;
        ExpressionSyntax? result = null;
        while (true)
        {
            var nameStart = i;
            if (i >= end || !(char.IsLetter(text[i]) && text[i] < 128 || text[i] == '_'))
            {
                return null;
            }

            while (i < end && (text[i] < 128 && char.IsLetterOrDigit(text[i]) || text[i] == '_'))
            {
                i++;
            }

            var word = text.Substring(nameStart, i - nameStart);
            if (HardKeywords.Contains(word))
            {
                return null;
            }

            var name = new NameSyntax(word, new SourceSpan(file, new TextSpan(nameStart, i)));
            result = result is null
                ? new NameExpressionSyntax(name, name.Span)
                : new MemberAccessSyntax(result, name, new SourceSpan(file, new TextSpan(result.Span.Span.Start, i)));
            if (i == end)
            {
                return result;
            }

            if (text[i] != '.')
            {
                return null;
            }

            i++;
        }
    }

    /// <summary>Decodes escapes and parses <c>${...}</c> interpolations with spans in the original file.</summary>
    private StringLiteralSyntax StringLiteral(IToken? token, ParserRuleContext parent)
    {
        if (token is null || IsMissing(token) || token.Text.Length < 2 || token.Text[0] != '"')
        {
            return new StringLiteralSyntax([], "", EndOf(parent));
        }

        var raw = token.Text;
        var start = token.StartIndex;
        var span = Span(token);
        var parts = ImmutableArray.CreateBuilder<StringPartSyntax>();
        var text = new StringBuilder();
        var textStart = start + 1;
        var i = 1;
        var end = raw.Length - 1;

        void FlushText(int at)
        {
            if (text.Length > 0)
            {
                parts.Add(new StringTextSyntax(text.ToString(), new SourceSpan(file, TextSpan.FromBounds(textStart, at))));
                text.Clear();
            }
        }

        while (i < end)
        {
            var c = raw[i];
            if (c == '\\' && i + 1 < end)
            {
                var e = raw[i + 1];
                var decoded = e switch
                {
                    'n' => "\n",
                    't' => "\t",
                    'r' => "\r",
                    '\\' => "\\",
                    '"' => "\"",
                    '$' => "$",
                    _ => null,
                };
                if (decoded is null)
                {
                    diagnostics.Report(DiagnosticCatalog.InvalidEscape, new SourceSpan(file, new TextSpan(start + i, start + i + 2)), e.ToString());
                }
                else
                {
                    text.Append(decoded);
                }

                i += 2;
                continue;
            }

            if (c == '$' && i + 1 < end && raw[i + 1] == '{')
            {
                var close = raw.IndexOf('}', i + 2);
                if (close < 0 || close >= end + 1)
                {
                    text.Append(c);
                    i++;
                    continue;
                }

                FlushText(start + i);
                var innerStart = start + i + 2;
                var innerEnd = start + close;
                var interpolationSpan = new SourceSpan(file, TextSpan.FromBounds(start + i, start + close + 1));
                if (raw.Substring(i + 2, close - i - 2).Trim().Length == 0)
                {
                    diagnostics.Report(DiagnosticCatalog.InvalidInterpolation, interpolationSpan, "");
                    parts.Add(new InterpolationSyntax(new MissingExpressionSyntax(interpolationSpan), interpolationSpan));
                }
                else
                {
                    var inner = DottedName(innerStart, innerEnd) ?? SyntaxParser.ParseExpressionCore(file, innerStart, innerEnd, diagnostics);
                    parts.Add(new InterpolationSyntax(inner, interpolationSpan));
                }

                i = close + 1;
                textStart = start + i;
                continue;
            }

            if (text.Length == 0)
            {
                textStart = start + i;
            }

            text.Append(c);
            i++;
        }

        FlushText(start + end);
        return new StringLiteralSyntax(parts.ToImmutable(), raw, span);
    }
}
