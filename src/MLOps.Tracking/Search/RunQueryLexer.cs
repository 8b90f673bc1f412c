using System.Globalization;
using System.Text;

namespace MLOps.Tracking.Search;

internal enum TokenKind
{
    Identifier,
    String,
    Number,
    Operator,
    LeftParen,
    RightParen,
    Comma,
    End,
}

/// <summary>
/// A token; <see cref="Text"/> is the name or string value (quotes removed), <see cref="Column"/>
/// 1-based. <see cref="Quoted"/> marks an identifier whose name part was written in backquotes,
/// so it is never read as a keyword.
/// </summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Column, double Number = 0, bool Quoted = false)
{
    public bool IsKeyword(string word) => Kind == TokenKind.Identifier && !Quoted && string.Equals(Text, word, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Splits a query into tokens. Names: a letter or '_' then letters, digits and <c>_ . - / :</c>;
/// after a dot a name may be written in backquotes (<c>metrics.`val loss`</c>, a backquote doubled
/// inside). Strings: single or double quotes, the quote doubled inside.
/// </summary>
internal static class RunQueryLexer
{
    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, "", text.Length + 1));
                return tokens;
            }

            var start = i;
            var c = text[i];
            if (char.IsAsciiLetter(c) || c == '_' || c == '`')
            {
                tokens.Add(ReadName(text, ref i));
            }
            else if (char.IsAsciiDigit(c) || ((c is '-' or '+' or '.') && i + 1 < text.Length && (char.IsAsciiDigit(text[i + 1]) || (text[i + 1] == '.' && c != '.'))))
            {
                tokens.Add(ReadNumber(text, ref i));
            }
            else if (c is '\'' or '"')
            {
                tokens.Add(new Token(TokenKind.String, ReadQuoted(text, ref i, c, "string"), start + 1));
            }
            else if (c == '(')
            {
                tokens.Add(new Token(TokenKind.LeftParen, "(", ++i));
            }
            else if (c == ')')
            {
                tokens.Add(new Token(TokenKind.RightParen, ")", ++i));
            }
            else if (c == ',')
            {
                tokens.Add(new Token(TokenKind.Comma, ",", ++i));
            }
            else if (c is '=' or '!' or '<' or '>')
            {
                var two = i + 1 < text.Length ? text.Substring(i, 2) : null;
                var op = two is "==" or "!=" or "<=" or ">=" or "<>" ? two : c == '!' ? null : c.ToString();
                if (op is null)
                {
                    throw new RunQueryException(text, start + 1, "'!' must be followed by '=' (use 'not' to negate)");
                }

                i += op.Length;
                tokens.Add(new Token(TokenKind.Operator, op, start + 1));
            }
            else
            {
                throw new RunQueryException(text, start + 1, $"unexpected character '{c}'",
                    c == ';' ? "a query is one expression; combine conditions with 'and' / 'or'" : null);
            }
        }
    }

    private static Token ReadName(string text, ref int i)
    {
        var start = i;
        var name = new StringBuilder();
        var quoted = false;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '`' && (name.Length == 0 || name[^1] == '.'))
            {
                name.Append(ReadQuoted(text, ref i, '`', "quoted name"));
                quoted = true;
            }
            else if (char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or '/' or ':')
            {
                name.Append(c);
                i++;
            }
            else
            {
                break;
            }
        }

        return new Token(TokenKind.Identifier, name.ToString(), start + 1, Quoted: quoted);
    }

    private static Token ReadNumber(string text, ref int i)
    {
        var start = i;
        if (text[i] is '-' or '+')
        {
            i++;
        }

        while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
        {
            i++;
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '-' or '+')
            {
                i++;
            }

            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }

        var raw = text[start..i];
        if (i < text.Length && (char.IsAsciiLetter(text[i]) || text[i] == '_'))
        {
            throw new RunQueryException(text, start + 1, $"'{raw}{text[i]}...' is not a number; quote strings ('...')");
        }

        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
        {
            throw new RunQueryException(text, start + 1, $"'{raw}' is not a number");
        }

        return new Token(TokenKind.Number, raw, start + 1, number);
    }

    private static string ReadQuoted(string text, ref int i, char quote, string what)
    {
        var start = i;
        i++;
        var value = new StringBuilder();
        while (true)
        {
            if (i >= text.Length)
            {
                throw new RunQueryException(text, start + 1, $"unterminated {what}: add the closing {quote}", $"to put a {quote} inside, write it twice");
            }

            if (text[i] == quote)
            {
                if (i + 1 < text.Length && text[i + 1] == quote)
                {
                    value.Append(quote);
                    i += 2;
                    continue;
                }

                i++;
                return value.ToString();
            }

            value.Append(text[i++]);
        }
    }
}
