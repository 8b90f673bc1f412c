using System.Collections.Generic;
using System.Linq;

namespace MLOps.Language.Binding;

/// <summary>Names visible at a point; inner scopes shadow outer ones.</summary>
public sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, Symbol> symbols = new(System.StringComparer.Ordinal);

    public Scope? Parent { get; } = parent;

    public bool TryDeclare(Symbol symbol, out Symbol? existing)
    {
        if (symbols.TryGetValue(symbol.Name, out existing))
        {
            return false;
        }

        symbols[symbol.Name] = symbol;
        return true;
    }

    public void Set(string name, Symbol symbol) => symbols[name] = symbol;

    /// <summary>Room for <paramref name="count"/> names, so a module scope of many declarations is not grown (and copied) a dozen times.</summary>
    internal void EnsureCapacity(int count)
    {
#if NET
        symbols.EnsureCapacity(count);
#endif
    }

    public Symbol? Lookup(string name)
    {
        for (var s = this; s is not null; s = s.Parent)
        {
            if (s.symbols.TryGetValue(name, out var found))
            {
                return found;
            }
        }

        return null;
    }

    public IEnumerable<string> AllNames()
    {
        for (var s = this; s is not null; s = s.Parent)
        {
            foreach (var n in s.symbols.Keys)
            {
                yield return n;
            }
        }
    }

    public IEnumerable<Symbol> Own => symbols.Values.ToList();
}
