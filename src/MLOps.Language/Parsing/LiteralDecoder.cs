using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using MLOps.Language.Diagnostics;
using MLOps.Language.Syntax;
using MLOps.Language.Text;

namespace MLOps.Language.Parsing;

/// <summary>
/// Decodes literal tokens into syntax (numbers, units, strings with their interpolations) for
/// both parsers, so the fast path and the ANTLR path give the same values and diagnostics.
/// </summary>
internal sealed class LiteralDecoder(SourceFile file, DiagnosticBag diagnostics, bool useHandParser)
{
    /// <summary>Boolean values boxed once: a literal's value is an object, and each box would live as long as the tree.</summary>
    internal static readonly object True = true;

    internal static readonly object False = false;

    /// <summary>Names and short texts of this file, shared (see <see cref="NameTable"/>); the hand parser uses it too.</summary>
    public NameTable Names { get; } = new();

    public LiteralSyntax Number(string text, SourceSpan span, LiteralKind kind)
    {
        var clean = text.Replace("_", "");
        if (kind == LiteralKind.Int)
        {
            if (long.TryParse(clean, NumberStyles.None, CultureInfo.InvariantCulture, out var l))
            {
                return new LiteralSyntax(kind, l, text, span);
            }

            diagnostics.Report(DiagnosticCatalog.InvalidNumber, span, text, "it does not fit in a 64-bit integer");
            return new LiteralSyntax(kind, 0L, text, span);
        }

        if (double.TryParse(clean, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && !double.IsInfinity(d))
        {
            return new LiteralSyntax(kind, d, text, span);
        }

        diagnostics.Report(DiagnosticCatalog.InvalidNumber, span, text, "it is too large");
        return new LiteralSyntax(kind, 0.0, text, span);
    }

    // Longest suffix first, so "ms" is not read as minutes.
    private static readonly (string Suffix, double Factor)[] DurationUnits = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];

    private static readonly (string Suffix, double Factor)[] SizeUnits =
    [
        ("KiB", 1024), ("MiB", 1024d * 1024), ("GiB", 1024d * 1024 * 1024), ("TiB", 1024d * 1024 * 1024 * 1024),
        ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("B", 1),
    ];

    public LiteralSyntax Unit(string text, SourceSpan span, LiteralKind kind)
    {
        var units = kind == LiteralKind.Duration ? DurationUnits : SizeUnits;
        foreach (var (suffix, factor) in units)
        {
            if (!text.EndsWith(suffix, StringComparison.Ordinal))
            {
                continue;
            }

            var number = text.Substring(0, text.Length - suffix.Length).Replace("_", "");
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                break;
            }

            var value = n * factor;
            if (kind == LiteralKind.Size)
            {
                if (value > long.MaxValue || value % 1 != 0)
                {
                    diagnostics.Report(DiagnosticCatalog.InvalidNumber, span, text, value % 1 != 0 ? "a size must be a whole number of bytes" : "it is too large");
                    return new LiteralSyntax(kind, 0L, text, span);
                }

                return new LiteralSyntax(kind, (long)value, text, span);
            }

            return new LiteralSyntax(kind, value, text, span);
        }

        diagnostics.Report(DiagnosticCatalog.InvalidNumber, span, text, "unknown unit");
        return new LiteralSyntax(kind, kind == LiteralKind.Size ? 0L : 0.0, text, span);
    }

    private static readonly HashSet<string> HardKeywords =
        ["import", "enum", "let", "if", "else", "for", "in", "register", "return", "true", "false", "none", "and", "or", "not"];

    /// <summary>
    /// Most interpolations are <c>name</c> or <c>a.b.c</c>: build those directly (the same tree the
    /// parser would give) instead of starting a parser for each one.
    /// </summary>
    private ExpressionSyntax? DottedName(int start, int end)
    {
        var text = file.Text;
        var i = start;
        ExpressionSyntax? result = null;
        while (true)
        {
            var nameStart = i;
            if (i >= end || !(char.IsLetter(text[i]) && text[i] < 128 || text[i] == '_'))
            {
                return null;
            }

            while (i < end && (text[i] < 128 && char.IsLetterOrDigit(text[i]) || text[i] == '_'))
            {
                i++;
            }

            var word = Names.Get(text, nameStart, i - nameStart);
            if (HardKeywords.Contains(word))
            {
                return null;
            }

            var name = new NameSyntax(word, new SourceSpan(file, new TextSpan(nameStart, i)));
            result = result is null
                ? new NameExpressionSyntax(name, name.Span)
                : new MemberAccessSyntax(result, name, new SourceSpan(file, new TextSpan(result.Span.Span.Start, i)));
            if (i == end)
            {
                return result;
            }

            if (text[i] != '.')
            {
                return null;
            }

            i++;
        }
    }

    private StringBuilder? spareBuilder;
    private ImmutableArray<StringPartSyntax>.Builder? spareParts;

    /// <summary>Decodes escapes and parses <c>${...}</c> interpolations with spans in the original file.</summary>
    public StringLiteralSyntax String(string raw, int start, SourceSpan span)
    {
        if (raw.IndexOf('\\') < 0 && raw.IndexOf('$') < 0)
        {
            // Nothing to decode (most strings): one text part, without a builder.
            ImmutableArray<StringPartSyntax> plain = raw.Length > 2
                ? [new StringTextSyntax(Shared(raw, 1, raw.Length - 2), new SourceSpan(file, TextSpan.FromBounds(start + 1, start + raw.Length - 1)))]
                : [];
            return new StringLiteralSyntax(plain, raw, span);
        }

        // One builder of each kind for all the strings of a file; a string inside an
        // interpolation (parsed by a parser of its own) gets its own.
        var parts = spareParts ?? ImmutableArray.CreateBuilder<StringPartSyntax>();
        spareParts = null;
        var text = spareBuilder ?? new StringBuilder();
        spareBuilder = null;
        var textStart = start + 1;
        var i = 1;
        var end = raw.Length - 1;

        // Whether the text since the last part had an escape: without one it is the source's own text.
        var escaped = false;

        void FlushText(int at)
        {
            if (text.Length > 0)
            {
                var value = escaped ? text.ToString() : Shared(raw, textStart - start, text.Length);
                parts.Add(new StringTextSyntax(value, new SourceSpan(file, TextSpan.FromBounds(textStart, at))));
                text.Clear();
                escaped = false;
            }
        }

        while (i < end)
        {
            var c = raw[i];
            if (c == '\\' && i + 1 < end)
            {
                var e = raw[i + 1];
                var decoded = e switch
                {
                    'n' => "\n",
                    't' => "\t",
                    'r' => "\r",
                    '\\' => "\\",
                    '"' => "\"",
                    '$' => "$",
                    _ => null,
                };
                if (decoded is null)
                {
                    diagnostics.Report(DiagnosticCatalog.InvalidEscape, new SourceSpan(file, new TextSpan(start + i, start + i + 2)), e.ToString());
                }
                else
                {
                    text.Append(decoded);
                }

                escaped = true;
                i += 2;
                continue;
            }

            if (c == '$' && i + 1 < end && raw[i + 1] == '{')
            {
                var close = raw.IndexOf('}', i + 2);
                if (close < 0 || close >= end + 1)
                {
                    text.Append(c);
                    i++;
                    continue;
                }

                FlushText(start + i);
                var innerStart = start + i + 2;
                var innerEnd = start + close;
                var interpolationSpan = new SourceSpan(file, TextSpan.FromBounds(start + i, start + close + 1));
                if (raw.Substring(i + 2, close - i - 2).Trim().Length == 0)
                {
                    diagnostics.Report(DiagnosticCatalog.InvalidInterpolation, interpolationSpan, "");
                    parts.Add(new InterpolationSyntax(new MissingExpressionSyntax(interpolationSpan), interpolationSpan));
                }
                else
                {
                    var inner = DottedName(innerStart, innerEnd) ?? SyntaxParser.ParseExpressionCore(file, innerStart, innerEnd, diagnostics, useHandParser);
                    parts.Add(new InterpolationSyntax(inner, interpolationSpan));
                }

                i = close + 1;
                textStart = start + i;
                continue;
            }

            if (text.Length == 0)
            {
                textStart = start + i;
            }

            // Up to the next character that may start an escape or an interpolation, in one go.
            var run = i + 1;
            while (run < end && raw[run] != '\\' && raw[run] != '$')
            {
                run++;
            }

            text.Append(raw, i, run - i);
            i = run;
        }

        FlushText(start + end);
        spareBuilder = text;
        var result = new StringLiteralSyntax(parts.ToImmutable(), raw, span);
        parts.Clear();
        spareParts = parts;
        return result;
    }

    // Short texts repeat (flags, file names, separators); long ones rarely do and are not worth hashing.
    private const int SharedLength = 32;

    private string Shared(string raw, int offset, int length) =>
        length <= SharedLength ? Names.Get(raw, offset, length) : raw.Substring(offset, length);
}
