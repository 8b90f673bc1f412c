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
internal sealed class TreeBuilder(SourceFile file, DiagnosticBag diagnostics, bool useHandParser)
{
    private readonly LiteralDecoder literals = new(file, diagnostics, useHandParser);

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

    private LiteralSyntax Number(IToken token, LiteralKind kind) => literals.Number(token.Text, Span(token), kind);

    private LiteralSyntax Unit(IToken token, LiteralKind kind) => literals.Unit(token.Text, Span(token), kind);

    private StringLiteralSyntax StringLiteral(IToken? token, ParserRuleContext parent)
    {
        if (token is null || IsMissing(token) || token.Text.Length < 2 || token.Text[0] != '"')
        {
            return new StringLiteralSyntax([], "", EndOf(parent));
        }

        return literals.String(token.Text, token.StartIndex, Span(token));
    }
}
