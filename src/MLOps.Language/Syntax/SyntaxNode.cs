using System.Collections.Generic;
using System.Collections.Immutable;
using MLOps.Language.Text;

namespace MLOps.Language.Syntax;

/// <summary>
/// A node of the immutable syntax tree. Every node knows its span. Nodes made up by error
/// recovery (a token the parser expected but did not find) are marked <see cref="IsMissing"/>;
/// later stages skip them silently so one mistake gives one diagnostic.
/// </summary>
public abstract record SyntaxNode(SourceSpan Span)
{
    public virtual bool IsMissing => false;

    /// <summary>The direct children, in source order.</summary>
    public abstract IEnumerable<SyntaxNode> Children { get; }

    public IEnumerable<SyntaxNode> DescendantsAndSelf()
    {
        var stack = new Stack<SyntaxNode>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            yield return node;
            var children = new List<SyntaxNode>(node.Children);
            for (var i = children.Count - 1; i >= 0; i--)
            {
                stack.Push(children[i]);
            }
        }
    }

    protected static IEnumerable<SyntaxNode> Of(params object?[] items)
    {
        foreach (var item in items)
        {
            switch (item)
            {
                case SyntaxNode n:
                    yield return n;
                    break;
                case IEnumerable<SyntaxNode> many:
                    foreach (var m in many)
                    {
                        yield return m;
                    }

                    break;
            }
        }
    }
}

/// <summary>An identifier as written. Missing names (from error recovery) have empty text.</summary>
public sealed record NameSyntax(string Text, SourceSpan Span, bool Missing = false) : SyntaxNode(Span)
{
    // Names are the most numerous node (a few per line): a missing name is kept as a null text
    // instead of in a flag of its own, which took 8 bytes (alignment) in every name of a tree.
    private readonly string? text = Missing ? null : Text;

    public string Text
    {
        get => text ?? "";
        init => text = value;
    }

    public bool Missing
    {
        get => text is null;
        init => text = value ? null : text ?? "";
    }

    public override bool IsMissing => Missing;

    public override IEnumerable<SyntaxNode> Children => [];

    public override string ToString() => Text;
}

/// <summary>A comment, kept so the formatter can put it back.</summary>
public sealed record Comment(string Text, SourceSpan Span, bool IsBlock);

/// <summary>One parsed module: its declarations, its comments and the syntax errors found.</summary>
public sealed record CompilationUnitSyntax(
    SourceFile File,
    ImmutableArray<DeclarationSyntax> Declarations,
    ImmutableArray<Comment> Comments,
    SourceSpan Span) : SyntaxNode(Span)
{
    public override IEnumerable<SyntaxNode> Children => Declarations;
}
