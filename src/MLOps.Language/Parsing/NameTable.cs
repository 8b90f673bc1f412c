namespace MLOps.Language.Parsing;

/// <summary>
/// The text of names and short literals, shared with earlier occurrences of the same text in a
/// file: the same few names and numbers repeat all over a module, and each would be a string
/// of its own that lives as long as the tree.
/// </summary>
internal sealed class NameTable
{
    // A direct-mapped cache, not a set: a collision replaces the older text, which only costs a
    // string. Bounded, so a file of many distinct names cannot grow it.
    private readonly string?[] recent = new string?[4096];

    public string Get(string text, int start, int length)
    {
        var hash = length;
        for (var i = start; i < start + length; i++)
        {
            hash = unchecked((hash * 31) + text[i]);
        }

        var slot = hash & (recent.Length - 1);
        var cached = recent[slot];
        if (cached is not null && cached.Length == length && string.CompareOrdinal(text, start, cached, 0, length) == 0)
        {
            return cached;
        }

        return recent[slot] = text.Substring(start, length);
    }
}
