using System.Collections.Generic;
using System.Collections.Immutable;
using MLOps.Language.Text;

namespace MLOps.Language.Syntax;

public abstract record ExpressionSyntax(SourceSpan Span) : SyntaxNode(Span);

/// <summary>Where the parser found no expression: binds to the error type, reports nothing more.</summary>
public sealed record MissingExpressionSyntax(SourceSpan Span) : ExpressionSyntax(Span)
{
    public override bool IsMissing => true;

    public override IEnumerable<SyntaxNode> Children => [];
}

public enum LiteralKind
{
    Int,
    Float,
    Bool,
    None,
    Duration,
    Size,
}

/// <summary>
/// A literal with its value already decoded: ints as long, floats as double, durations in
/// seconds (double), sizes in bytes (long). <c>Text</c> is the source spelling.
/// </summary>
public sealed record LiteralSyntax(LiteralKind Kind, object? Value, string Text, SourceSpan Span) : ExpressionSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [];
}

public abstract record StringPartSyntax(SourceSpan Span) : SyntaxNode(Span);

/// <summary>Literal text of a string with escapes decoded.</summary>
public sealed record StringTextSyntax(string Value, SourceSpan Span) : StringPartSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [];
}

/// <summary><c>${expr}</c> inside a string.</summary>
public sealed record InterpolationSyntax(ExpressionSyntax Expression, SourceSpan Span) : StringPartSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Expression];
}

public sealed record StringLiteralSyntax(ImmutableArray<StringPartSyntax> Parts, string RawText, SourceSpan Span) : ExpressionSyntax(Span)
{
    public bool IsConstant
    {
        get
        {
            foreach (var p in Parts)
            {
                if (p is InterpolationSyntax)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>The value when there is no interpolation.</summary>
    public string ConstantValue
    {
        get
        {
            var sb = new System.Text.StringBuilder();
            foreach (var p in Parts)
            {
                if (p is StringTextSyntax t)
                {
                    sb.Append(t.Value);
                }
            }

            return sb.ToString();
        }
    }

    public override IEnumerable<SyntaxNode> Children => Parts;
}

public sealed record NameExpressionSyntax(NameSyntax Name, SourceSpan Span) : ExpressionSyntax(Span)
{
    public override bool IsMissing => Name.IsMissing;

    public override IEnumerable<SyntaxNode> Children => [Name];
}

/// <summary><c>@champion</c>: the model version an alias holds (in policies).</summary>
public sealed record AliasReferenceSyntax(NameSyntax Name, SourceSpan Span) : ExpressionSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Name];
}

public sealed record MemberAccessSyntax(ExpressionSyntax Target, NameSyntax Member, SourceSpan Span) : ExpressionSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Target, Member];
}

public sealed record ArgumentSyntax(NameSyntax? Name, ExpressionSyntax Value, SourceSpan Span) : SyntaxNode(Span)
{
    public override IEnumerable<SyntaxNode> Children => Of(Name, Value);
}

public sealed record CallSyntax(ExpressionSyntax Callee, ImmutableArray<ArgumentSyntax> Arguments, SourceSpan Span) : ExpressionSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => Of(Callee, Arguments);
}

public enum UnaryOperator
{
    Negate,
    Not,
}

public sealed record UnarySyntax(UnaryOperator Operator, ExpressionSyntax Operand, SourceSpan Span) : ExpressionSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Operand];
}

public enum BinaryOperator
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Equal,
    NotEqual,
    In,
    NotIn,
    And,
    Or,
}

public sealed record BinarySyntax(ExpressionSyntax Left, BinaryOperator Operator, ExpressionSyntax Right, SourceSpan Span) : ExpressionSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Left, Right];
}

public sealed record ParenthesizedSyntax(ExpressionSyntax Inner, SourceSpan Span) : ExpressionSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Inner];
}

public sealed record ListLiteralSyntax(ImmutableArray<ExpressionSyntax> Items, SourceSpan Span) : ExpressionSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => Items;
}

/// <summary>A field of a record literal; the name may be written as a string (map keys like "a-b").</summary>
public sealed record RecordFieldSyntax(NameSyntax Name, bool Quoted, ExpressionSyntax Value, SourceSpan Span) : SyntaxNode(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Name, Value];
}

public sealed record RecordLiteralSyntax(ImmutableArray<RecordFieldSyntax> Fields, SourceSpan Span) : ExpressionSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => Fields;
}

/// <summary><c>tpe { startup_trials: 10 }</c>, only as a property value: an algorithm or kind with options.</summary>
public sealed record ConstructorSyntax(NameSyntax Kind, RecordLiteralSyntax Options, SourceSpan Span) : ExpressionSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Kind, Options];
}

public enum ObjectiveDirection
{
    Maximize,
    Minimize,
}

/// <summary><c>maximize metrics.auc</c>, only as the value of a sweep's <c>objective</c>.</summary>
public sealed record ObjectiveSyntax(ObjectiveDirection Direction, ExpressionSyntax Target, SourceSpan Span) : ExpressionSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Target];
}

/// <summary><c>for x in xs { ...; yield e }</c>: a fan-out; as a value it is the list of yielded values.</summary>
public sealed record ForExpressionSyntax(NameSyntax Variable, ExpressionSyntax Items, BlockSyntax Body, SourceSpan Span) : ExpressionSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Variable, Items, Body];
}
