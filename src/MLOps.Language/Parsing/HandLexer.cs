using System;
using System.Collections.Generic;
using System.Threading;
using Antlr4.Runtime;
using MLOps.Language.Parsing.Generated;

namespace MLOps.Language.Parsing;

/// <summary>One token as positions only: text is read from the source when needed, so lexing allocates no strings.</summary>
internal readonly struct Lexeme(int type, int start, int stop, int line, int column)
{
    public int Type { get; } = type;

    /// <summary>Index of the first character in the whole file.</summary>
    public int Start { get; } = start;

    /// <summary>Index of the last character (Start - 1 for the end of input), as ANTLR counts.</summary>
    public int Stop { get; } = stop;

    public int Line { get; } = line;

    public int Column { get; } = column;

    public int Channel => Type is MlpLexer.WS or MlpLexer.LINE_COMMENT or MlpLexer.BLOCK_COMMENT ? TokenConstants.HiddenChannel : TokenConstants.DefaultChannel;
}

/// <summary>What the lexer found: the tokens the parser reads, and the comments beside them.</summary>
internal sealed class LexedText(List<Lexeme> tokens, List<Lexeme> comments, bool hasErrors)
{
    /// <summary>Default-channel tokens, ending with EOF.</summary>
    public List<Lexeme> Tokens { get; } = tokens;

    public List<Lexeme> Comments { get; } = comments;

    /// <summary>An invalid character or an unterminated string: only the ANTLR path reports those.</summary>
    public bool HasErrors { get; } = hasErrors;
}

/// <summary>
/// A hand-written lexer giving exactly the token stream of grammar/MlpLexer.g4 (types, positions,
/// lines, columns, channels; longest match, earlier rule on a tie), several times faster than the
/// generated one. The grammar stays the definition: a differential test compares the two.
/// </summary>
internal static class HandLexer
{
    // The token list of a large file is on the large-object heap, and allocating one per parse
    // triggers a full collection while the previous tree may still be alive: the last one is
    // reused. Held strongly up to a size (16 bytes a token: 15 MB for 100k lines): weakly held,
    // it did not survive the collection that starts a large compile (NoCollectionRegion), and
    // each large compile allocated (and faulted in) the list again. Larger ones are held weakly,
    // so an idle host does not keep them.
    private const int StronglyHeldTokens = 4 * 1024 * 1024;
    private static List<Lexeme>? strongSpare;
    private static WeakReference<List<Lexeme>>? spare;

    public static LexedText Lex(string text, int start, int end)
    {
        // About one token per four characters in ordinary code; a low guess would double a large list.
        var expected = System.Math.Max(16, (end - start) / 4);
        var tokens = TakeSpare(expected) ?? new List<Lexeme>(expected);
        var comments = new List<Lexeme>();
        var hasErrors = false;
        var scanner = new Scanner(text, start, end);
        while (true)
        {
            var token = scanner.Next();
            switch (token.Type)
            {
                case MlpLexer.WS:
                    continue;
                case MlpLexer.LINE_COMMENT or MlpLexer.BLOCK_COMMENT:
                    comments.Add(token);
                    continue;
                case MlpLexer.ERROR_CHAR or MlpLexer.UNTERMINATED_STRING:
                    hasErrors = true;
                    break;
            }

            tokens.Add(token);
            if (token.Type == TokenConstants.EOF)
            {
                return new LexedText(tokens, comments, hasErrors);
            }
        }
    }

    /// <summary>Hands <paramref name="lexed"/>'s token list back for the next file; <paramref name="lexed"/> must not be used after.</summary>
    public static void Release(LexedText lexed)
    {
        if (lexed.Tokens.Capacity >= LargeList)
        {
            lexed.Tokens.Clear();
            if (lexed.Tokens.Capacity <= StronglyHeldTokens)
            {
                Interlocked.Exchange(ref strongSpare, lexed.Tokens);
            }
            else
            {
                Interlocked.Exchange(ref spare, new WeakReference<List<Lexeme>>(lexed.Tokens));
            }
        }
    }

    // Lists smaller than this are cheap to allocate (not on the large-object heap).
    private const int LargeList = 4096;

    private static List<Lexeme>? TakeSpare(int expected)
    {
        if (expected < LargeList)
        {
            return null;
        }

        var list = Interlocked.Exchange(ref strongSpare, null);
        if (list is null && (Interlocked.Exchange(ref spare, null) is not { } weak || !weak.TryGetTarget(out list)))
        {
            return null;
        }

        if (list.Capacity < expected)
        {
            list.Capacity = expected;
        }

        return list;
    }

    /// <summary>Every token, whitespace included, as the generated lexer emits them (for the differential test).</summary>
    public static List<Lexeme> LexAll(string text, int start, int end)
    {
        var result = new List<Lexeme>();
        var scanner = new Scanner(text, start, end);
        while (true)
        {
            var token = scanner.Next();
            result.Add(token);
            if (token.Type == TokenConstants.EOF)
            {
                return result;
            }
        }
    }

    private struct Scanner(string text, int start, int end)
    {
        private int position = start;
        private int line = 1;
        private int lineStart = start;

        public Lexeme Next()
        {
            var at = position;
            var column = at - lineStart;
            var tokenLine = line;
            if (at >= end)
            {
                return new Lexeme(TokenConstants.EOF, end, end - 1, tokenLine, column);
            }

            var (type, stop) = Scan(text, at, end);
            if (type is MlpLexer.WS or MlpLexer.BLOCK_COMMENT)
            {
                for (var i = at; i < stop; i++)
                {
                    if (text[i] == '\n')
                    {
                        line++;
                        lineStart = i + 1;
                    }
                }
            }

            position = stop;
            return new Lexeme(type, at, stop - 1, tokenLine, column);
        }
    }

    /// <summary>The token at <paramref name="i"/>: its type and the index just past it.</summary>
    private static (int Type, int End) Scan(string s, int i, int end)
    {
        var c = s[i];
        if (IsIdentStart(c))
        {
            var j = i + 1;
            while (j < end && IsIdentPart(s[j]))
            {
                j++;
            }

            return (Keyword(s, i, j - i), j);
        }

        if (IsDigit(c))
        {
            return Number(s, i, end);
        }

        char Peek(int k) => i + k < end ? s[i + k] : '\0';

        switch (c)
        {
            case '"':
                return String(s, i, end);
            case ' ' or '\t' or '\r' or '\n' or '\f':
                var w = i + 1;
                while (w < end && s[w] is ' ' or '\t' or '\r' or '\n' or '\f')
                {
                    w++;
                }

                return (MlpLexer.WS, w);
            case '/':
                if (Peek(1) == '/')
                {
                    var j = i + 2;
                    while (j < end && s[j] is not ('\r' or '\n'))
                    {
                        j++;
                    }

                    return (MlpLexer.LINE_COMMENT, j);
                }

                if (Peek(1) == '*')
                {
                    var close = end - i >= 4 ? s.IndexOf("*/", i + 2, end - i - 2, System.StringComparison.Ordinal) : -1;
                    if (close >= 0)
                    {
                        return (MlpLexer.BLOCK_COMMENT, close + 2);
                    }
                }

                return (MlpLexer.SLASH, i + 1);
            case '-':
                return Peek(1) == '>' ? (MlpLexer.ARROW, i + 2) : (MlpLexer.MINUS, i + 1);
            case '=':
                return Peek(1) switch
                {
                    '>' => (MlpLexer.FAT_ARROW, i + 2),
                    '=' => (MlpLexer.EQEQ, i + 2),
                    _ => (MlpLexer.ASSIGN, i + 1),
                };
            case '!':
                return Peek(1) == '=' ? (MlpLexer.NEQ, i + 2) : (MlpLexer.ERROR_CHAR, i + 1);
            case '<':
                return Peek(1) == '=' ? (MlpLexer.LE, i + 2) : (MlpLexer.LT, i + 1);
            case '>':
                return Peek(1) == '=' ? (MlpLexer.GE, i + 2) : (MlpLexer.GT, i + 1);
        }

        var single = c switch
        {
            '~' => MlpLexer.TILDE,
            '+' => MlpLexer.PLUS,
            '*' => MlpLexer.STAR,
            '%' => MlpLexer.PERCENT,
            '?' => MlpLexer.QUESTION,
            '@' => MlpLexer.AT,
            '(' => MlpLexer.LPAREN,
            ')' => MlpLexer.RPAREN,
            '{' => MlpLexer.LBRACE,
            '}' => MlpLexer.RBRACE,
            '[' => MlpLexer.LBRACK,
            ']' => MlpLexer.RBRACK,
            ',' => MlpLexer.COMMA,
            ':' => MlpLexer.COLON,
            ';' => MlpLexer.SEMI,
            '.' => MlpLexer.DOT,
            _ => MlpLexer.ERROR_CHAR,
        };
        return (single, i + 1);
    }

    private static bool IsIdentStart(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_';

    private static bool IsIdentPart(char c) => IsIdentStart(c) || IsDigit(c);

    private static bool IsDigit(char c) => c is >= '0' and <= '9';

    /// <summary>
    /// A string up to its closing quote. The grammar's <c>${...}</c> alternative accepts exactly
    /// what the escape and plain-character alternatives accept (its body has no quote), so the
    /// token ends at the first unescaped quote; a line end or the end of input first makes it unterminated.
    /// </summary>
    private static (int Type, int End) String(string s, int i, int end)
    {
        var j = i + 1;
        while (j < end)
        {
            var c = s[j];
            if (c == '"')
            {
                return (MlpLexer.STRING, j + 1);
            }

            if (c is '\r' or '\n')
            {
                break;
            }

            if (c == '\\')
            {
                if (j + 1 >= end || s[j + 1] is '\r' or '\n')
                {
                    break;
                }

                j += 2;
                continue;
            }

            j++;
        }

        return (MlpLexer.UNTERMINATED_STRING, j);
    }

    /// <summary>The longest of DURATION, SIZE, FLOAT and INT starting at <paramref name="i"/> (no two can end at the same place).</summary>
    private static (int Type, int End) Number(string s, int i, int end)
    {
        var whole = Digits(s, i, end);
        var best = (Type: MlpLexer.INT, End: whole);

        void Consider(int type, int at)
        {
            if (at > best.End)
            {
                best = (type, at);
            }
        }

        void Units(int body)
        {
            Consider(MlpLexer.DURATION, DurationUnit(s, body, end));
            Consider(MlpLexer.SIZE, SizeUnit(s, body, end));
        }

        Units(whole);
        Consider(MlpLexer.FLOAT, Exponent(s, whole, end));
        if (whole + 1 < end && s[whole] == '.' && IsDigit(s[whole + 1]))
        {
            var fraction = Digits(s, whole + 1, end);
            Consider(MlpLexer.FLOAT, fraction);
            Consider(MlpLexer.FLOAT, Exponent(s, fraction, end));
            Units(fraction);
        }

        return best;
    }

    /// <summary>DIGITS: a digit, then digits each optionally after one underscore.</summary>
    private static int Digits(string s, int i, int end)
    {
        var j = i + 1;
        while (j < end)
        {
            if (IsDigit(s[j]))
            {
                j++;
            }
            else if (s[j] == '_' && j + 1 < end && IsDigit(s[j + 1]))
            {
                j += 2;
            }
            else
            {
                break;
            }
        }

        return j;
    }

    private static int Exponent(string s, int i, int end)
    {
        if (i >= end || s[i] is not ('e' or 'E'))
        {
            return -1;
        }

        var j = i + 1;
        if (j < end && s[j] is '+' or '-')
        {
            j++;
        }

        if (j >= end || !IsDigit(s[j]))
        {
            return -1;
        }

        while (j < end && IsDigit(s[j]))
        {
            j++;
        }

        return j;
    }

    private static int DurationUnit(string s, int i, int end)
    {
        if (i >= end)
        {
            return -1;
        }

        return s[i] switch
        {
            'm' => i + 1 < end && s[i + 1] == 's' ? i + 2 : i + 1,
            's' or 'h' or 'd' => i + 1,
            _ => -1,
        };
    }

    private static int SizeUnit(string s, int i, int end)
    {
        if (i >= end)
        {
            return -1;
        }

        if (s[i] == 'B')
        {
            return i + 1;
        }

        if (s[i] is not ('K' or 'M' or 'G' or 'T') || i + 1 >= end)
        {
            return -1;
        }

        if (s[i + 1] == 'B')
        {
            return i + 2;
        }

        return s[i + 1] == 'i' && i + 2 < end && s[i + 2] == 'B' ? i + 3 : -1;
    }

    /// <summary>A keyword's type if the word is one (keywords win over IDENT at equal length).</summary>
    private static int Keyword(string s, int i, int length)
    {
        bool Is(string word) => word.Length == length && string.CompareOrdinal(s, i, word, 0, length) == 0;

        return s[i] switch
        {
            'a' when Is("as") => MlpLexer.AS,
            'a' when Is("artifact") => MlpLexer.ARTIFACT,
            'a' when Is("approval") => MlpLexer.APPROVAL,
            'a' when Is("alias") => MlpLexer.ALIAS,
            'a' when Is("and") => MlpLexer.AND,
            'e' when Is("enum") => MlpLexer.ENUM,
            'e' when Is("else") => MlpLexer.ELSE,
            'f' when Is("for") => MlpLexer.FOR,
            'f' when Is("from") => MlpLexer.FROM,
            'f' when Is("fail") => MlpLexer.FAIL,
            'f' when Is("false") => MlpLexer.FALSE,
            'i' when Is("import") => MlpLexer.IMPORT,
            'i' when Is("if") => MlpLexer.IF,
            'i' when Is("in") => MlpLexer.IN,
            'l' when Is("let") => MlpLexer.LET,
            'm' when Is("model") => MlpLexer.MODEL,
            'm' when Is("maximize") => MlpLexer.MAXIMIZE,
            'm' when Is("minimize") => MlpLexer.MINIMIZE,
            'n' when Is("notify") => MlpLexer.NOTIFY,
            'n' when Is("none") => MlpLexer.NONE,
            'n' when Is("not") => MlpLexer.NOT,
            'o' when Is("over") => MlpLexer.OVER,
            'o' when Is("on") => MlpLexer.ON,
            'o' when Is("or") => MlpLexer.OR,
            'p' when Is("param") => MlpLexer.PARAM,
            'p' when Is("pipeline") => MlpLexer.PIPELINE,
            'p' when Is("policy") => MlpLexer.POLICY,
            'p' when Is("pass") => MlpLexer.PASS,
            'r' when Is("register") => MlpLexer.REGISTER,
            'r' when Is("return") => MlpLexer.RETURN,
            'r' when Is("require") => MlpLexer.REQUIRE,
            's' when Is("step") => MlpLexer.STEP,
            's' when Is("sweep") => MlpLexer.SWEEP,
            't' when Is("type") => MlpLexer.TYPE,
            't' when Is("target") => MlpLexer.TARGET,
            't' when Is("tag") => MlpLexer.TAG,
            't' when Is("true") => MlpLexer.TRUE,
            'w' when Is("with") => MlpLexer.WITH,
            'y' when Is("yield") => MlpLexer.YIELD,
            _ => MlpLexer.IDENT,
        };
    }
}
