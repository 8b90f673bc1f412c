using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using MLOps.Language.Diagnostics;
using MLOps.Language.Syntax;
using MLOps.Language.Text;

namespace MLOps.Language.Binding;

/// <summary>
/// Resolves names and checks types over all modules of a compilation, filling the semantic model.
/// Split by concern: declarations and types here; expressions, steps, pipelines, sweeps,
/// policies and targets in the other partial files.
/// </summary>
internal sealed partial class Binder
{
    private readonly IReadOnlyList<ModuleSymbol> modules;
    private readonly ModuleSymbol entry;
    private readonly SemanticModel model;
    private readonly DiagnosticBag diagnostics;
    private readonly Dictionary<ModuleSymbol, Scope> moduleScopes = [];
    private readonly Dictionary<ModuleSymbol, BindContext> constantContexts = [];
    private readonly List<TypeSymbol> resolvingTypes = [];
    private readonly HashSet<TypeSymbol> resolvedTypes = [];

    // The module declaring each type and target (the other symbols know theirs), so resolving one
    // does not search every module's declarations.
    private readonly Dictionary<Symbol, ModuleSymbol> declaringModules = [];
    private readonly Dictionary<string, EnumType> enumsByName = new(System.StringComparer.Ordinal);

    public Binder(IReadOnlyList<ModuleSymbol> modules, ModuleSymbol entry, SemanticModel model, DiagnosticBag diagnostics)
    {
        this.modules = modules;
        this.entry = entry;
        this.model = model;
        this.diagnostics = diagnostics;
    }

    public void BindAll()
    {
        foreach (var m in modules)
        {
            DeclareModule(m);
        }

        foreach (var m in modules)
        {
            ConnectImports(m);
        }

        Each<TypeSymbol>(t => ResolveTypeSymbol(t));
        Each<ParamSymbol>(BindParam);
        Each<TargetSymbol>(BindTarget);
        Each<CallableSymbol>(BindSignature);
        Each<StepSymbol>(BindStep);
        CollectAliases();
        Each<PipelineSymbol>(BindPipeline);
        CheckPipelineCycles();
        Each<SweepSymbol>(BindSweep);
        Each<PolicySymbol>(BindPolicy);
    }

    private void Each<T>(System.Action<T> action)
        where T : Symbol
    {
        foreach (var m in modules)
        {
            foreach (var s in m.Declarations.OfType<T>())
            {
                action(s);
            }
        }
    }

    private Scope ScopeOf(ModuleSymbol module) => moduleScopes[module];

    /// <summary>One context per module for constant places (signatures): contexts are immutable, and one per callable was garbage.</summary>
    private BindContext ConstantContext(ModuleSymbol module)
    {
        if (!constantContexts.TryGetValue(module, out var ctx))
        {
            constantContexts[module] = ctx = new BindContext(module, ScopeOf(module), ExpressionPlace.Constant);
        }

        return ctx;
    }

    private ModuleSymbol ModuleOf(Symbol symbol) => symbol switch
    {
        CallableSymbol c => c.Module,
        ParamSymbol p => p.Module,
        SweepSymbol s => s.Module,
        PolicySymbol p => p.Module,
        _ => entry,
    };

    private void DeclareModule(ModuleSymbol module)
    {
        var scope = new Scope(null);
        moduleScopes[module] = scope;
        scope.EnsureCapacity(module.Syntax.Declarations.Length);
#if NET
        module.Members.EnsureCapacity(module.Syntax.Declarations.Length);
#endif
        foreach (var decl in module.Syntax.Declarations)
        {
            Symbol? symbol = decl switch
            {
                TypeDeclarationSyntax t => new TypeSymbol(t.Name.Text, t, ErrorType.Instance),
                EnumDeclarationSyntax e => new TypeSymbol(e.Name.Text, e, ErrorType.Instance),
                ArtifactDeclarationSyntax a => new TypeSymbol(a.Name.Text, a, new ArtifactType(a.Name.Text)),
                ParamDeclarationSyntax p => new ParamSymbol(p.Name.Text, p, module),
                TargetDeclarationSyntax t => new TargetSymbol(t.Name.Text, t, t.Kind.Text),
                StepDeclarationSyntax s => new StepSymbol(s.Name.Text, s, module) { QualifiedName = Qualify(module, s.Name.Text) },
                PipelineDeclarationSyntax p => new PipelineSymbol(p.Name.Text, p, module) { QualifiedName = Qualify(module, p.Name.Text) },
                SweepDeclarationSyntax s => new SweepSymbol(s.Name.Text, s, module),
                PolicyDeclarationSyntax p => new PolicySymbol(p.Name.Text, p, module),
                _ => null,
            };

            if (symbol is null)
            {
                continue;
            }

            if (decl is EnumDeclarationSyntax en)
            {
                var members = new List<string>();
                foreach (var member in en.Members.Where(m => !m.IsMissing))
                {
                    if (members.Contains(member.Text))
                    {
                        diagnostics.Report(DiagnosticCatalog.DuplicateDeclaration, member.Span, member.Text, "enum");
                        continue;
                    }

                    members.Add(member.Text);
                }

                var enumType = new EnumType(en.Name.Text, [.. members]);
                ((TypeSymbol)symbol).Type = enumType;
                enumsByName[en.Name.Text] = enumType;
            }

            module.Declarations.Add(symbol);
            if (symbol is TypeSymbol or TargetSymbol && !declaringModules.ContainsKey(symbol))
            {
                declaringModules[symbol] = module;
            }

            model.Record(decl, symbol);
            var name = decl.DeclaredName;
            if (name is null || name.IsMissing)
            {
                continue;
            }

            if (IsBuiltinTypeName(name.Text) && symbol is TypeSymbol)
            {
                diagnostics.Report(DiagnosticCatalog.DuplicateDeclaration, name.Span, null, [], name.Text, "module (it is a built-in type)");
                continue;
            }

            if (!scope.TryDeclare(symbol, out var existing))
            {
                Related(out var related, existing, "first declared here");
                diagnostics.Report(DiagnosticCatalog.DuplicateDeclaration, name.Span, null, related, name.Text, "module");
                continue;
            }

            module.Members[name.Text] = symbol;
            switch (symbol)
            {
                case StepSymbol s:
                    model.Steps.Add(s);
                    break;
                case PipelineSymbol p:
                    model.Pipelines.Add(p);
                    break;
                case SweepSymbol sw:
                    model.Sweeps.Add(sw);
                    break;
                case PolicySymbol po:
                    model.Policies.Add(po);
                    break;
                case TargetSymbol t:
                    model.Targets.Add(t);
                    break;
                case ParamSymbol pa:
                    model.Params.Add(pa);
                    break;
            }
        }
    }

    private string Qualify(ModuleSymbol module, string name) =>
        ReferenceEquals(module, entry) ? name : System.IO.Path.GetFileNameWithoutExtension(module.Path) + "." + name;

    private void ConnectImports(ModuleSymbol module)
    {
        var scope = ScopeOf(module);
        foreach (var import in module.Syntax.Declarations.OfType<ImportSyntax>())
        {
            if (!module.ResolvedImports.TryGetValue(import, out var imported))
            {
                continue;
            }

            if (import.Alias is { IsMissing: false } alias)
            {
                if (!scope.TryDeclare(new ImportedModuleSymbol(alias.Text, import, imported), out var existing))
                {
                    Related(out var related, existing, "first declared here");
                    diagnostics.Report(DiagnosticCatalog.DuplicateDeclaration, alias.Span, null, related, alias.Text, "module");
                }
            }
            else
            {
                // An import without alias brings the module's declarations in; the module's own names win.
                foreach (var kv in imported.Members)
                {
                    if (scope.Lookup(kv.Key) is null && kv.Value is not ImportedModuleSymbol)
                    {
                        scope.Set(kv.Key, kv.Value);
                    }
                }
            }
        }
    }

    private static bool IsBuiltinTypeName(string name) =>
        PrimitiveType.Find(name) is not null || ArtifactType.BuiltIn.Contains(name) || name is "list" or "map";

    // Loops rather than LINQ with a closure: these run for every call, argument and member access.
    private static ParameterSymbol? FindByName(ImmutableArray<ParameterSymbol> parameters, string name)
    {
        foreach (var p in parameters)
        {
            if (p.Name == name)
            {
                return p;
            }
        }

        return null;
    }

    private static bool ContainsField(List<FieldSymbol> fields, string name)
    {
        foreach (var f in fields)
        {
            if (f.Name == name)
            {
                return true;
            }
        }

        return false;
    }

    private static void Related(out ImmutableArray<RelatedLocation> related, Symbol? symbol, string message) =>
        related = symbol?.NameSpan is { } span ? [new RelatedLocation(span, message)] : [];

    // Types

    private MlpType ResolveTypeSymbol(TypeSymbol symbol)
    {
        if (symbol.Declaration is not TypeDeclarationSyntax decl || resolvedTypes.Contains(symbol))
        {
            return symbol.Type;
        }

        var cycleStart = resolvingTypes.IndexOf(symbol);
        if (cycleStart >= 0)
        {
            // Reported once, at the declaration where the cycle was entered; the others stay silent.
            var chain = string.Join(" -> ", resolvingTypes.Skip(cycleStart).Select(t => t.Name).Concat([symbol.Name]));
            diagnostics.Report(DiagnosticCatalog.TypeCycle, decl.Name.Span, decl.Name.Text, chain);
            foreach (var t in resolvingTypes.Skip(cycleStart))
            {
                resolvedTypes.Add(t);
            }

            return ErrorType.Instance;
        }

        resolvingTypes.Add(symbol);

        var module = declaringModules[symbol];
        var type = BindType(decl.Type, module);
        if (type is RecordType r && r.Name is null)
        {
            type = r with { Name = decl.Name.Text };
        }

        resolvingTypes.Remove(symbol);
        if (resolvedTypes.Add(symbol))
        {
            symbol.Type = type;
        }

        return symbol.Type;
    }

    private MlpType BindType(TypeSyntax syntax, ModuleSymbol module)
    {
        var type = BindTypeCore(syntax, module);
        model.Record(syntax, type);
        return type;
    }

    private MlpType BindTypeCore(TypeSyntax syntax, ModuleSymbol module)
    {
        switch (syntax)
        {
            case OptionalTypeSyntax o:
                var inner = BindType(o.Inner, module);
                return inner.IsError ? inner : inner is OptionalType ? inner : new OptionalType(inner);
            case RecordTypeSyntax r:
                var fields = new List<FieldSymbol>();
                foreach (var f in r.Fields)
                {
                    var ft = BindType(f.Type, module);
                    if (f.Name.IsMissing)
                    {
                        continue;
                    }

                    if (ContainsField(fields, f.Name.Text))
                    {
                        diagnostics.Report(DiagnosticCatalog.DuplicateDeclaration, f.Name.Span, f.Name.Text, "record");
                        continue;
                    }

                    fields.Add(new FieldSymbol(f.Name.Text, ft));
                }

                return new RecordType(null, [.. fields]);
            case NamedTypeSyntax n:
                return BindNamedType(n, module);
            default:
                return ErrorType.Instance;
        }
    }

    private MlpType BindNamedType(NamedTypeSyntax n, ModuleSymbol module)
    {
        if (n.IsMissing)
        {
            return ErrorType.Instance;
        }

        var name = n.QualifiedName;
        var args = n.Arguments.IsEmpty ? [] : BindTypeArguments(n, module);
        if (name is "list" or "map")
        {
            if (args.Length != 1)
            {
                diagnostics.Report(DiagnosticCatalog.WrongTypeArguments, n.Span, name, 1);
                return ErrorType.Instance;
            }

            return name == "list" ? new ListType(args[0]) : new MapType(args[0]);
        }

        if (args.Length > 0)
        {
            diagnostics.Report(DiagnosticCatalog.WrongTypeArguments, n.Span, name, 0);
            return ErrorType.Instance;
        }

        if (PrimitiveType.Find(name) is { } primitive)
        {
            return primitive;
        }

        if (ArtifactType.FindBuiltIn(name) is { } artifact)
        {
            return artifact;
        }

        var symbol = LookupQualified(n.Name, module, out var failed);
        if (failed)
        {
            return ErrorType.Instance;
        }

        if (symbol is TypeSymbol ts)
        {
            model.Record(n, ts);
            return ResolveTypeSymbol(ts);
        }

        if (symbol is not null)
        {
            diagnostics.Report(DiagnosticCatalog.NotAType, n.Span, name, symbol.KindName);
            return ErrorType.Instance;
        }

        diagnostics.Report(DiagnosticCatalog.UnknownType, n.Span, NameSuggester.Suggest(name, TypeCandidates(module)), [], name);
        return ErrorType.Instance;
    }

    // The lambdas below are out of BindNamedType: a lambda capturing its parameters there would
    // allocate its closure on entry, for every type reference bound.
    private ImmutableArray<MlpType> BindTypeArguments(NamedTypeSyntax n, ModuleSymbol module) =>
        n.Arguments.Select(a => BindType(a, module)).ToImmutableArray();

    private IEnumerable<string> TypeCandidates(ModuleSymbol module) =>
        ScopeOf(module).AllNames().Where(x => ScopeOf(module).Lookup(x) is TypeSymbol)
            .Concat(PrimitiveType.Named.Select(p => p.Name)).Concat(ArtifactType.BuiltIn).Concat(["list", "map"]);

    /// <summary>Looks up <c>a</c> or <c>mod.a</c>; reports unknown module members itself (then <paramref name="failed"/>).</summary>
    private Symbol? LookupQualified(ImmutableArray<NameSyntax> parts, ModuleSymbol module, out bool failed)
    {
        failed = false;
        var first = ScopeOf(module).Lookup(parts[0].Text);
        if (parts.Length == 1)
        {
            return first;
        }

        if (first is not ImportedModuleSymbol imported)
        {
            if (first is null)
            {
                return null;
            }

            diagnostics.Report(DiagnosticCatalog.UnknownName, parts[1].Span, parts[0].Text + "." + parts[1].Text);
            failed = true;
            return null;
        }

        model.Record(parts[0], imported);
        if (imported.Module.Members.TryGetValue(parts[1].Text, out var member) && member is not ImportedModuleSymbol)
        {
            model.Record(parts[1], member);
            return member;
        }

        diagnostics.Report(
            DiagnosticCatalog.UnknownName,
            parts[1].Span,
            NameSuggester.Suggest(parts[1].Text, imported.Module.Members.Keys),
            [],
            parts[0].Text + "." + parts[1].Text);
        failed = true;
        return null;
    }
}

/// <summary>An import's alias: <c>py</c> in <c>import "std/python.mlp" as py</c>.</summary>
public sealed class ImportedModuleSymbol(string alias, ImportSyntax declaration, ModuleSymbol module) : Symbol(alias, declaration)
{
    public ModuleSymbol Module { get; } = module;

    public override string KindName => "module";
}
