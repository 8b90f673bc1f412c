using System.Collections.Generic;
using System.Collections.Immutable;
using MLOps.Language.Text;

namespace MLOps.Language.Syntax;

public sealed record BlockSyntax(ImmutableArray<StatementSyntax> Statements, SourceSpan Span) : SyntaxNode(Span)
{
    public override IEnumerable<SyntaxNode> Children => Statements;
}

public abstract record StatementSyntax(SourceSpan Span) : SyntaxNode(Span);

/// <summary><c>let name = expr</c> or <c>let name = for x in xs { ... yield e }</c>.</summary>
public sealed record LetStatementSyntax(NameSyntax Name, ExpressionSyntax Value, SourceSpan Span) : StatementSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Name, Value];
}

/// <summary><c>if cond { ... } else { ... }</c>: decided at run time from upstream outputs.</summary>
public sealed record IfStatementSyntax(ExpressionSyntax Condition, BlockSyntax Then, StatementSyntax? Else, SourceSpan Span) : StatementSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => Of(Condition, Then, Else);
}

/// <summary>An <c>else { ... }</c> branch; <c>else if</c> nests an <see cref="IfStatementSyntax"/> instead.</summary>
public sealed record ElseBlockSyntax(BlockSyntax Block, SourceSpan Span) : StatementSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Block];
}

/// <summary>A fan-out used as a statement (for its registrations and side effects).</summary>
public sealed record ForStatementSyntax(ForExpressionSyntax For, SourceSpan Span) : StatementSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [For];
}

/// <summary><c>register fitted.model as "churn" with { metrics: m, tags: {...} }</c>.</summary>
public sealed record RegisterStatementSyntax(ExpressionSyntax Artifact, ExpressionSyntax ModelName, RecordLiteralSyntax? With, SourceSpan Span) : StatementSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => Of(Artifact, ModelName, With);
}

public sealed record ReturnStatementSyntax(ExpressionSyntax Value, SourceSpan Span) : StatementSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Value];
}

/// <summary>Inside a <c>for</c> body: the value this iteration contributes to the resulting list.</summary>
public sealed record YieldStatementSyntax(ExpressionSyntax Value, SourceSpan Span) : StatementSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Value];
}

public sealed record ExpressionStatementSyntax(ExpressionSyntax Expression, SourceSpan Span) : StatementSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Expression];
}

// Sweeps

public abstract record SweepMemberSyntax(SourceSpan Span) : SyntaxNode(Span);

/// <summary><c>lr ~ loguniform(1e-5, 1e-1)</c>.</summary>
public sealed record DimensionSyntax(NameSyntax Parameter, ExpressionSyntax Distribution, SourceSpan Span) : SweepMemberSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Parameter, Distribution];
}

/// <summary><c>objective = maximize metrics.auc</c>, <c>sampler = tpe { ... }</c>, <c>trials = 50</c>.</summary>
public sealed record SweepSettingSyntax(PropertySyntax Property, SourceSpan Span) : SweepMemberSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Property];
}

// Policies

public abstract record PolicyMemberSyntax(SourceSpan Span) : SyntaxNode(Span);

public sealed record RequireRuleSyntax(ExpressionSyntax Condition, StringLiteralSyntax? Message, SourceSpan Span) : PolicyMemberSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => Of(Condition, Message);
}

public sealed record ApprovalRuleSyntax(StringLiteralSyntax Group, SourceSpan Span) : PolicyMemberSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Group];
}

public enum PolicyOutcome
{
    Pass,
    Fail,
}

public sealed record OnOutcomeSyntax(PolicyOutcome Outcome, ImmutableArray<PolicyActionSyntax> Actions, SourceSpan Span) : PolicyMemberSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => Actions;
}

public abstract record PolicyActionSyntax(SourceSpan Span) : SyntaxNode(Span);

public sealed record AliasActionSyntax(AliasReferenceSyntax Alias, SourceSpan Span) : PolicyActionSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Alias];
}

public sealed record TagActionSyntax(RecordLiteralSyntax Tags, SourceSpan Span) : PolicyActionSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Tags];
}

/// <summary><c>notify "https://hooks/x" with { secret: env("HOOK_SECRET") }</c>.</summary>
public sealed record NotifyActionSyntax(ExpressionSyntax Url, RecordLiteralSyntax? With, SourceSpan Span) : PolicyActionSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => Of(Url, With);
}
