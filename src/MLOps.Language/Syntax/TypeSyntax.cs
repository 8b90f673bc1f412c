using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using MLOps.Language.Text;

namespace MLOps.Language.Syntax;

public abstract record TypeSyntax(SourceSpan Span) : SyntaxNode(Span);

/// <summary><c>int</c>, <c>Dataset</c>, <c>py.Metrics</c>, <c>list&lt;T&gt;</c>, <c>map&lt;T&gt;</c>.</summary>
public sealed record NamedTypeSyntax(ImmutableArray<NameSyntax> Name, ImmutableArray<TypeSyntax> Arguments, SourceSpan Span) : TypeSyntax(Span)
{
    public string QualifiedName => Name.Length == 1 ? Name[0].Text : string.Join(".", Name.Select(n => n.Text));

    public override bool IsMissing => Name.Any(n => n.IsMissing);

    public override IEnumerable<SyntaxNode> Children => Of(Name, Arguments);
}

public sealed record OptionalTypeSyntax(TypeSyntax Inner, SourceSpan Span) : TypeSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Inner];
}

public sealed record FieldTypeSyntax(NameSyntax Name, TypeSyntax Type, SourceSpan Span) : SyntaxNode(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Name, Type];
}

/// <summary>An inline record type: <c>{ auc: float, loss: float }</c>.</summary>
public sealed record RecordTypeSyntax(ImmutableArray<FieldTypeSyntax> Fields, SourceSpan Span) : TypeSyntax(Span)
{
    public override IEnumerable<SyntaxNode> Children => Fields;
}
