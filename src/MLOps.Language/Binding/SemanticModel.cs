using System.Collections.Generic;
using System.Linq;
using MLOps.Language.Collections;
using MLOps.Language.Syntax;

namespace MLOps.Language.Binding;

/// <summary>
/// What the checker learned, queryable by syntax node: the symbol a name refers to and the type
/// of each expression. Lowering, the language server and the source generator read it.
/// </summary>
public sealed class SemanticModel
{
    // Binding records something for most nodes, but a node is looked up rarely (editors, error
    // messages): records are appended, and the lookup tables are built on the first question.
    // Hashing a million keys into growing tables, which all survive, was a third of checking.
    private readonly ChunkedList<KeyValuePair<SyntaxNode, Symbol>> symbolLog = new();
    private readonly ChunkedList<KeyValuePair<SyntaxNode, MlpType>> typeLog = new();
    private Dictionary<SyntaxNode, Symbol>? symbols;
    private Dictionary<SyntaxNode, MlpType>? types;

    public List<StepSymbol> Steps { get; } = [];

    public List<PipelineSymbol> Pipelines { get; } = [];

    public List<SweepSymbol> Sweeps { get; } = [];

    public List<PolicySymbol> Policies { get; } = [];

    public List<TargetSymbol> Targets { get; } = [];

    public List<ParamSymbol> Params { get; } = [];

    /// <summary>For each registered model name, the metrics type of its registrations (first wins).</summary>
    public Dictionary<string, MlpType> RegisteredModels { get; } = new(System.StringComparer.Ordinal);

    public Dictionary<string, AliasSymbol> Aliases { get; } = new(System.StringComparer.Ordinal);

    public Symbol? GetSymbol(SyntaxNode node) => Index(ref symbols, symbolLog).TryGetValue(node, out var s) ? s : null;

    public MlpType? GetType(SyntaxNode node) => Index(ref types, typeLog).TryGetValue(node, out var t) ? t : null;

    /// <summary>Every reference to <paramref name="symbol"/> (for editors: find references, rename).</summary>
    public IEnumerable<SyntaxNode> References(Symbol symbol) =>
        Index(ref symbols, symbolLog).Where(kv => ReferenceEquals(kv.Value, symbol)).Select(kv => kv.Key);

    internal void Record(SyntaxNode node, Symbol symbol) => Record(symbols, symbolLog, node, symbol);

    internal void Record(SyntaxNode node, MlpType type) => Record(types, typeLog, node, type);

    private static void Record<T>(Dictionary<SyntaxNode, T>? index, ChunkedList<KeyValuePair<SyntaxNode, T>> log, SyntaxNode node, T value)
    {
        log.Add(new(node, value));

        // Asked before binding finished (an error message wants a symbol): keep the index current.
        if (index is not null)
        {
            index[node] = value;
        }
    }

    /// <summary>The lookup table, built from the records in order (the last record of a node wins).</summary>
    private static Dictionary<SyntaxNode, T> Index<T>(ref Dictionary<SyntaxNode, T>? index, ChunkedList<KeyValuePair<SyntaxNode, T>> log)
    {
        if (index is { } built)
        {
            return built;
        }

        var table = new Dictionary<SyntaxNode, T>(log.Count, ReferenceEqualityComparer.Instance);
        for (var i = 0; i < log.Count; i++)
        {
            var record = log[i];
            table[record.Key] = record.Value;
        }

        return System.Threading.Interlocked.CompareExchange(ref index, table, null) ?? table;
    }

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
