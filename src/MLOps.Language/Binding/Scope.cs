using System.Collections.Generic;
using System.Linq;

namespace MLOps.Language.Binding;

/// <summary>Names visible at a point; inner scopes shadow outer ones.</summary>
public sealed class Scope(Scope? parent)
{
    // Most scopes (a step's inputs, a block's lets) hold a handful of names: those are kept in
    // two small arrays and searched in order. Only a scope that outgrows them gets a dictionary
    // (with its own arrays): a dictionary per step and block was a few MB per 100k lines.
    private const int SmallCapacity = 8;

    private string[]? names;
    private Symbol[]? values;
    private int count;
    private Dictionary<string, Symbol>? symbols;

    public Scope? Parent { get; } = parent;

    public bool TryDeclare(Symbol symbol, out Symbol? existing)
    {
        existing = Find(symbol.Name);
        if (existing is not null)
        {
            return false;
        }

        Set(symbol.Name, symbol);
        return true;
    }

    public void Set(string name, Symbol symbol)
    {
        if (symbols is not null)
        {
            symbols[name] = symbol;
            return;
        }

        var index = IndexOf(name);
        if (index >= 0)
        {
            values![index] = symbol;
            return;
        }

        if (count == SmallCapacity)
        {
            Grow(count + 1);
            symbols![name] = symbol;
            return;
        }

        if (names is null || count == names.Length)
        {
            // 2, 4, 8: most scopes hold one or two names.
            var size = names is null ? 2 : names.Length * 2;
            System.Array.Resize(ref names, size);
            System.Array.Resize(ref values, size);
        }

        names![count] = name;
        values![count] = symbol;
        count++;
    }

    /// <summary>Room for <paramref name="capacity"/> names, so a module scope of many declarations is not grown (and copied) a dozen times.</summary>
    internal void EnsureCapacity(int capacity)
    {
        if (capacity > SmallCapacity)
        {
            Grow(capacity);
        }
    }

    public Symbol? Lookup(string name)
    {
        for (var s = this; s is not null; s = s.Parent)
        {
            if (s.Find(name) is { } found)
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
            foreach (var n in s.OwnNames())
            {
                yield return n;
            }
        }
    }

    public IEnumerable<Symbol> Own => symbols is not null ? symbols.Values.ToList() : values is null ? [] : values.Take(count).ToList();

    private IEnumerable<string> OwnNames() => symbols is not null ? symbols.Keys : names is null ? [] : names.Take(count);

    private Symbol? Find(string name)
    {
        if (symbols is not null)
        {
            return symbols.TryGetValue(name, out var found) ? found : null;
        }

        var index = IndexOf(name);
        return index >= 0 ? values![index] : null;
    }

    private int IndexOf(string name)
    {
        for (var i = 0; i < count; i++)
        {
            if (string.Equals(names![i], name, System.StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>From the small arrays to a dictionary, in declaration order (suggestions list names in that order).</summary>
    private void Grow(int capacity)
    {
        if (symbols is not null)
        {
#if NET
            symbols.EnsureCapacity(capacity);
#endif
            return;
        }

        symbols = new Dictionary<string, Symbol>(capacity, System.StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            symbols[names![i]] = values![i];
        }

        names = null;
        values = null;
        count = 0;
    }
}
