using System.Collections.Generic;
using System.Collections.Immutable;
using MLOps.Language.Text;

namespace MLOps.Language.Syntax;

public abstract record DeclarationSyntax(SourceSpan Span) : SyntaxNode(Span)
{
    /// <summary>The declared name (imports: the alias); null for imports without alias.</summary>
    public abstract NameSyntax? DeclaredName { get; }
}

/// <summary><c>import "std/python.mlp" as py</c>.</summary>
public sealed record ImportSyntax(StringLiteralSyntax Path, NameSyntax? Alias, SourceSpan Span) : DeclarationSyntax(Span)
{
    public override NameSyntax? DeclaredName => Alias;

    public override IEnumerable<SyntaxNode> Children => Of(Path, Alias);
}

/// <summary><c>type Name = { ... }</c> (or any type: an alias).</summary>
public sealed record TypeDeclarationSyntax(NameSyntax Name, TypeSyntax Type, SourceSpan Span) : DeclarationSyntax(Span)
{
    public override NameSyntax DeclaredName => Name;

    public override IEnumerable<SyntaxNode> Children => [Name, Type];
}

public sealed record EnumDeclarationSyntax(NameSyntax Name, ImmutableArray<NameSyntax> Members, SourceSpan Span) : DeclarationSyntax(Span)
{
    public override NameSyntax DeclaredName => Name;

    public override IEnumerable<SyntaxNode> Children => Of(Name, Members);
}

/// <summary><c>artifact Tokenizer</c>: a user-declared artifact kind.</summary>
public sealed record ArtifactDeclarationSyntax(NameSyntax Name, SourceSpan Span) : DeclarationSyntax(Span)
{
    public override NameSyntax DeclaredName => Name;

    public override IEnumerable<SyntaxNode> Children => [Name];
}

/// <summary><c>param data: path = "data.csv"</c>: a module parameter, overridable with <c>--param</c>.</summary>
public sealed record ParamDeclarationSyntax(NameSyntax Name, TypeSyntax Type, ExpressionSyntax? Default, SourceSpan Span) : DeclarationSyntax(Span)
{
    public override NameSyntax DeclaredName => Name;

    public override IEnumerable<SyntaxNode> Children => Of(Name, Type, Default);
}

/// <summary><c>target hpc = slurm { url = ..., partition = "gpu" }</c>.</summary>
public sealed record TargetDeclarationSyntax(NameSyntax Name, NameSyntax Kind, PropertyBlockSyntax Properties, SourceSpan Span) : DeclarationSyntax(Span)
{
    public override NameSyntax DeclaredName => Name;

    public override IEnumerable<SyntaxNode> Children => [Name, Kind, Properties];
}

/// <summary>A parameter of a step or pipeline (inputs and outputs alike).</summary>
public sealed record ParameterSyntax(NameSyntax Name, TypeSyntax Type, ExpressionSyntax? Default, SourceSpan Span) : SyntaxNode(Span)
{
    public override IEnumerable<SyntaxNode> Children => Of(Name, Type, Default);
}

public sealed record StepDeclarationSyntax(
    NameSyntax Name,
    ImmutableArray<ParameterSyntax> Inputs,
    ImmutableArray<ParameterSyntax> Outputs,
    PropertyBlockSyntax Properties,
    SourceSpan Span) : DeclarationSyntax(Span)
{
    public override NameSyntax DeclaredName => Name;

    public override IEnumerable<SyntaxNode> Children => Of(Name, Inputs, Outputs, Properties);
}

public sealed record PipelineDeclarationSyntax(
    NameSyntax Name,
    ImmutableArray<ParameterSyntax> Parameters,
    ImmutableArray<ParameterSyntax> Outputs,
    BlockSyntax Body,
    SourceSpan Span) : DeclarationSyntax(Span)
{
    public override NameSyntax DeclaredName => Name;

    public override IEnumerable<SyntaxNode> Children => Of(Name, Parameters, Outputs, Body);
}

public sealed record SweepDeclarationSyntax(
    NameSyntax Name,
    ImmutableArray<NameSyntax> Pipeline,
    ImmutableArray<SweepMemberSyntax> Members,
    SourceSpan Span) : DeclarationSyntax(Span)
{
    public override NameSyntax DeclaredName => Name;

    public override IEnumerable<SyntaxNode> Children => Of(Name, Pipeline, Members);
}

public sealed record PolicyDeclarationSyntax(
    NameSyntax Name,
    StringLiteralSyntax Model,
    ImmutableArray<PolicyMemberSyntax> Members,
    SourceSpan Span) : DeclarationSyntax(Span)
{
    public override NameSyntax DeclaredName => Name;

    public override IEnumerable<SyntaxNode> Children => Of(Name, Model, Members);
}

/// <summary><c>{ name = value ... }</c> on steps and targets; also sweep settings.</summary>
public sealed record PropertyBlockSyntax(ImmutableArray<PropertySyntax> Properties, SourceSpan Span) : SyntaxNode(Span)
{
    public override IEnumerable<SyntaxNode> Children => Properties;
}

public sealed record PropertySyntax(NameSyntax Name, ExpressionSyntax Value, SourceSpan Span) : SyntaxNode(Span)
{
    public override IEnumerable<SyntaxNode> Children => [Name, Value];
}
