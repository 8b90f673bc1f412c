using System.Collections.Generic;
using System.Linq;
using MLOps.Language.Syntax;

namespace MLOps.Language.Binding;

/// <summary>
/// What the checker learned, queryable by syntax node: the symbol a name refers to and the type
/// of each expression. Lowering, the language server and the source generator read it.
/// </summary>
public sealed class SemanticModel
{
    private readonly Dictionary<SyntaxNode, Symbol> symbols = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<SyntaxNode, MlpType> types = new(ReferenceEqualityComparer.Instance);

    public List<StepSymbol> Steps { get; } = [];

    public List<PipelineSymbol> Pipelines { get; } = [];

    public List<SweepSymbol> Sweeps { get; } = [];

    public List<PolicySymbol> Policies { get; } = [];

    public List<TargetSymbol> Targets { get; } = [];

    public List<ParamSymbol> Params { get; } = [];

    /// <summary>For each registered model name, the metrics type of its registrations (first wins).</summary>
    public Dictionary<string, MlpType> RegisteredModels { get; } = new(System.StringComparer.Ordinal);

    public Dictionary<string, AliasSymbol> Aliases { get; } = new(System.StringComparer.Ordinal);

    public Symbol? GetSymbol(SyntaxNode node) => symbols.TryGetValue(node, out var s) ? s : null;

    public MlpType? GetType(SyntaxNode node) => types.TryGetValue(node, out var t) ? t : null;

    /// <summary>Every reference to <paramref name="symbol"/> (for editors: find references, rename).</summary>
    public IEnumerable<SyntaxNode> References(Symbol symbol) => symbols.Where(kv => ReferenceEquals(kv.Value, symbol)).Select(kv => kv.Key);

    internal void Record(SyntaxNode node, Symbol symbol) => symbols[node] = symbol;

    internal void Record(SyntaxNode node, MlpType type) => types[node] = type;

    private sealed class ReferenceEqualityComparer : IEqualityComparer<SyntaxNode>
    {
        public static readonly ReferenceEqualityComparer Instance = new();

        public bool Equals(SyntaxNode? x, SyntaxNode? y) => ReferenceEquals(x, y);

        /// <summary>
        /// From the span, not the object's identity hash: the first identity hash of each of
        /// millions of nodes goes through the runtime's slow path. Nodes sharing a span are few.
        /// </summary>
        public int GetHashCode(SyntaxNode obj) => unchecked((obj.Span.Span.Start * 397) ^ obj.Span.Span.Length);
    }
}
