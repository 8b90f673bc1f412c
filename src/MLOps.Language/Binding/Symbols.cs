using System.Collections.Generic;
using System.Collections.Immutable;
using MLOps.Language.Syntax;
using MLOps.Language.Text;

namespace MLOps.Language.Binding;

/// <summary>Something a name refers to. Symbols carry no syntax-tree ownership beyond their declaration for editors.</summary>
public abstract class Symbol(string name, SyntaxNode? declaration)
{
    public string Name { get; } = name;

    public SyntaxNode? Declaration { get; } = declaration;

    public SourceSpan? NameSpan => (Declaration as DeclarationSyntax)?.DeclaredName?.Span ?? (Declaration as ParameterSyntax)?.Name.Span;

    /// <summary>"step", "pipeline", "parameter", ...: used in messages.</summary>
    public abstract string KindName { get; }

    public override string ToString() => $"{KindName} {Name}";
}

public sealed class ModuleSymbol(string path, SourceFile file, CompilationUnitSyntax syntax) : Symbol(path, syntax)
{
    public string Path { get; } = path;

    public SourceFile File { get; } = file;

    public CompilationUnitSyntax Syntax { get; } = syntax;

    /// <summary>Top-level declarations by name (imports by alias).</summary>
    public Dictionary<string, Symbol> Members { get; } = new(System.StringComparer.Ordinal);

    public List<Symbol> Declarations { get; } = [];

    /// <summary>Imports whose module was found and loaded.</summary>
    public Dictionary<ImportSyntax, ModuleSymbol> ResolvedImports { get; } = [];

    public override string KindName => "module";
}

public sealed class TypeSymbol(string name, SyntaxNode? declaration, MlpType type) : Symbol(name, declaration)
{
    public MlpType Type { get; internal set; } = type;

    public override string KindName => "type";
}

public sealed class ParamSymbol(string name, ParamDeclarationSyntax declaration, ModuleSymbol module) : Symbol(name, declaration)
{
    public ModuleSymbol Module { get; } = module;

    public MlpType Type { get; internal set; } = ErrorType.Instance;

    public BoundExpression? Default { get; internal set; }

    public override string KindName => "parameter";
}

public sealed class TargetSymbol(string name, TargetDeclarationSyntax? declaration, string kind) : Symbol(name, declaration)
{
    public static readonly TargetSymbol Local = new("local", null, "local");

    public string Kind { get; } = kind;

    public List<KeyValuePair<string, BoundExpression>> Properties { get; } = [];

    public override string KindName => "target";
}

public sealed class ParameterSymbol(string name, ParameterSyntax declaration, MlpType type, BoundExpression? defaultValue) : Symbol(name, declaration)
{
    public MlpType Type { get; } = type;

    public BoundExpression? Default { get; } = defaultValue;

    public bool IsRequired => Default is null && Type is not OptionalType;

    public override string KindName => "parameter";
}

/// <summary>A step or a pipeline: something a pipeline calls with named arguments.</summary>
public abstract class CallableSymbol(string name, SyntaxNode declaration, ModuleSymbol module) : Symbol(name, declaration)
{
    public ModuleSymbol Module { get; } = module;

    public ImmutableArray<ParameterSymbol> Inputs { get; internal set; } = [];

    public ImmutableArray<ParameterSymbol> Outputs { get; internal set; } = [];

    /// <summary>The name used in plans: qualified with the module path when not in the entry module.</summary>
    public string QualifiedName { get; internal set; } = name;
}

public sealed class StepSymbol(string name, StepDeclarationSyntax declaration, ModuleSymbol module) : CallableSymbol(name, declaration, module)
{
    public new StepDeclarationSyntax Declaration => (StepDeclarationSyntax)base.Declaration!;

    public BoundStep? Bound { get; internal set; }

    public override string KindName => "step";
}

public sealed class PipelineSymbol(string name, PipelineDeclarationSyntax declaration, ModuleSymbol module) : CallableSymbol(name, declaration, module)
{
    public new PipelineDeclarationSyntax Declaration => (PipelineDeclarationSyntax)base.Declaration!;

    public BoundBlock? Body { get; internal set; }

    /// <summary>The locals the body sees for its parameters, in parameter order.</summary>
    public ImmutableArray<LocalSymbol> ParameterLocals { get; internal set; } = [];

    public override string KindName => "pipeline";
}

public sealed class SweepSymbol(string name, SweepDeclarationSyntax declaration, ModuleSymbol module) : Symbol(name, declaration)
{
    public ModuleSymbol Module { get; } = module;

    public BoundSweep? Bound { get; internal set; }

    public override string KindName => "sweep";
}

public sealed class PolicySymbol(string name, PolicyDeclarationSyntax declaration, ModuleSymbol module) : Symbol(name, declaration)
{
    public ModuleSymbol Module { get; } = module;

    public BoundPolicy? Bound { get; internal set; }

    public override string KindName => "policy";
}

/// <summary>A <c>let</c> binding, a <c>for</c> variable or a pipeline parameter inside a body.</summary>
public sealed class LocalSymbol(string name, SyntaxNode declaration, MlpType type, LocalKind kind) : Symbol(name, declaration)
{
    public MlpType Type { get; } = type;

    public LocalKind Kind { get; } = kind;

    public bool IsUsed { get; internal set; }

    public SourceSpan Span => Declaration switch
    {
        LetStatementSyntax l => l.Name.Span,
        ForExpressionSyntax f => f.Variable.Span,
        ParameterSyntax p => p.Name.Span,
        _ => Declaration!.Span,
    };

    public override string KindName => Kind switch
    {
        LocalKind.Let => "binding",
        LocalKind.LoopVariable => "loop variable",
        _ => "parameter",
    };
}

public enum LocalKind
{
    Let,
    LoopVariable,
    PipelineParameter,
}

/// <summary>A declared model alias (<c>@champion</c>), known from the policies' actions.</summary>
public sealed class AliasSymbol(string name, SyntaxNode declaration) : Symbol(name, declaration)
{
    public override string KindName => "alias";
}
