using System.Globalization;
using MLOps.Tracking.Runs;

namespace MLOps.Tracking.Search;

/// <summary>
/// Parses and type-checks the run query language (grammar in docs/search.md). Backend-neutral:
/// each store compiles the checked tree to its own parameterized query.
/// <code>
/// query   := or
/// or      := and ('or' and)*
/// and     := unary ('and' unary)*
/// unary   := 'not' unary | '(' or ')' | test
/// test    := field op value | field 'not'? 'in' '(' value (',' value)* ')'
///          | field 'not'? 'like' string | field 'is' 'not'? 'null'
/// order   := field ('asc'|'desc')? (',' field ('asc'|'desc')?)*
/// </code>
/// </summary>
public static class RunQueryParser
{
    /// <summary>Parses a filter; null or blank text means "every run" and returns null.</summary>
    public static QueryExpression? ParseFilter(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var parser = new Parser(text);
        var expression = parser.ParseOr();
        parser.ExpectEnd("'and', 'or' or the end of the query");
        return expression;
    }

    /// <summary>Parses an order-by list such as <c>metrics.auc desc, start_time</c>.</summary>
    public static IReadOnlyList<QueryOrderTerm> ParseOrderBy(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        var parser = new Parser(text);
        var terms = new List<QueryOrderTerm>();
        do
        {
            var field = parser.ParseField();
            var descending = false;
            if (parser.Current.IsKeyword("desc"))
            {
                descending = true;
                parser.Advance();
            }
            else if (parser.Current.IsKeyword("asc"))
            {
                parser.Advance();
            }

            terms.Add(new QueryOrderTerm(field, descending));
        }
        while (parser.TryComma());

        parser.ExpectEnd("'asc', 'desc', ',' or the end of the order-by");
        return terms;
    }

    private static readonly string[] Keywords = ["and", "or", "not", "in", "like", "is", "null"];

    private sealed class Parser(string text)
    {
        private readonly List<Token> _tokens = RunQueryLexer.Tokenize(text);
        private int _position;

        public Token Current => _tokens[_position];

        public void Advance() => _position = Math.Min(_position + 1, _tokens.Count - 1);

        public bool TryComma()
        {
            if (Current.Kind != TokenKind.Comma)
            {
                return false;
            }

            Advance();
            return true;
        }

        public void ExpectEnd(string expected)
        {
            if (Current.Kind != TokenKind.End)
            {
                throw Error(Current, $"expected {expected}, found {Describe(Current)}");
            }
        }

        public QueryExpression ParseOr()
        {
            var left = ParseAnd();
            while (Current.IsKeyword("or"))
            {
                Advance();
                left = new QueryOr(left, ParseAnd());
            }

            return left;
        }

        private QueryExpression ParseAnd()
        {
            var left = ParseUnary();
            while (Current.IsKeyword("and"))
            {
                Advance();
                left = new QueryAnd(left, ParseUnary());
            }

            return left;
        }

        private QueryExpression ParseUnary()
        {
            var token = Current;
            if (token.IsKeyword("not"))
            {
                Advance();
                return new QueryNot(ParseUnary(), token.Column);
            }

            if (token.Kind == TokenKind.LeftParen)
            {
                Advance();
                if (Current.Kind == TokenKind.RightParen)
                {
                    throw Error(Current, "empty parentheses: expected a condition inside");
                }

                var inner = ParseOr();
                if (Current.Kind != TokenKind.RightParen)
                {
                    throw Error(Current, $"expected ')' to close the '(' at column {token.Column}, found {Describe(Current)}");
                }

                Advance();
                return inner;
            }

            return ParseTest();
        }

        private QueryExpression ParseTest()
        {
            var field = ParseField();
            var token = Current;
            if (token.Kind == TokenKind.Operator)
            {
                Advance();
                var op = token.Text switch
                {
                    "=" or "==" => QueryComparison.Equal,
                    "!=" or "<>" => QueryComparison.NotEqual,
                    "<" => QueryComparison.Less,
                    "<=" => QueryComparison.LessOrEqual,
                    ">" => QueryComparison.Greater,
                    _ => QueryComparison.GreaterOrEqual,
                };
                var value = ParseValue(field);
                if (op is not (QueryComparison.Equal or QueryComparison.NotEqual) && field.Kind == QueryFieldKind.Attribute &&
                    RunAttributes.All[field.Name] is QueryAttributeType.Status or QueryAttributeType.Kind)
                {
                    throw Error(token, $"'{field}' can only be compared with '=', '!=' or 'in'");
                }

                return new QueryCompare(field, op, value);
            }

            var negated = false;
            if (token.IsKeyword("not"))
            {
                negated = true;
                Advance();
                if (!Current.IsKeyword("in") && !Current.IsKeyword("like"))
                {
                    throw Error(Current, $"expected 'in' or 'like' after 'not', found {Describe(Current)}");
                }
            }

            if (Current.IsKeyword("in"))
            {
                Advance();
                if (Current.Kind != TokenKind.LeftParen)
                {
                    throw Error(Current, $"expected '(' after 'in', found {Describe(Current)}", "write a list like in ('a', 'b')");
                }

                Advance();
                var values = new List<QueryValue> { ParseValue(field) };
                while (TryComma())
                {
                    values.Add(ParseValue(field));
                }

                if (Current.Kind != TokenKind.RightParen)
                {
                    throw Error(Current, $"expected ',' or ')' in the 'in' list, found {Describe(Current)}");
                }

                Advance();
                if (values.Any(v => v.IsNumber) && values.Any(v => !v.IsNumber))
                {
                    throw Error(values.First(v => v.IsNumber != values[0].IsNumber).Column, "an 'in' list mixes numbers and strings; use one kind");
                }

                return new QueryIn(field, values, negated);
            }

            if (Current.IsKeyword("like"))
            {
                var likeToken = Current;
                Advance();
                if (field.Kind == QueryFieldKind.Metric ||
                    (field.Kind == QueryFieldKind.Attribute && RunAttributes.All[field.Name] is not QueryAttributeType.Text))
                {
                    throw Error(likeToken, $"'like' matches text, and '{field}' is not text");
                }

                if (Current.Kind != TokenKind.String)
                {
                    throw Error(Current, $"expected a quoted pattern after 'like', found {Describe(Current)}", "e.g. like 'resnet%'");
                }

                var pattern = new QueryValue(Current.Text, Current.Column);
                Advance();
                return new QueryLike(field, pattern, negated);
            }

            if (Current.IsKeyword("is"))
            {
                Advance();
                var not = false;
                if (Current.IsKeyword("not"))
                {
                    not = true;
                    Advance();
                }

                if (!Current.IsKeyword("null"))
                {
                    throw Error(Current, $"expected 'null' after 'is{(not ? " not" : "")}', found {Describe(Current)}");
                }

                Advance();
                return new QueryIsNull(field, not);
            }

            throw Error(Current, $"expected an operator (=, !=, <, <=, >, >=, in, like, is) after '{field}', found {Describe(Current)}");
        }

        public QueryField ParseField()
        {
            var token = Current;
            if (token.Kind != TokenKind.Identifier || (Keywords.Contains(token.Text, StringComparer.OrdinalIgnoreCase) && !token.Quoted))
            {
                throw Error(token, $"expected a field such as metrics.NAME, params.NAME, tags.NAME or an attribute ({string.Join(", ", RunAttributes.All.Keys)}), found {Describe(token)}");
            }

            Advance();
            var dot = token.Text.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0)
            {
                if (RunAttributes.All.ContainsKey(token.Text.ToLowerInvariant()))
                {
                    return new QueryField(QueryFieldKind.Attribute, token.Text.ToLowerInvariant(), token.Column);
                }

                throw Error(token, $"unknown attribute '{token.Text}'", DidYouMean(token.Text, AttributeAndPrefixNames()));
            }

            var prefix = token.Text[..dot];
            var name = token.Text[(dot + 1)..];
            if (name.Length == 0)
            {
                throw Error(token.Column + dot + 1, $"expected a name after '{prefix}.'");
            }

            switch (prefix.ToLowerInvariant())
            {
                case "metrics":
                    return new QueryField(QueryFieldKind.Metric, name, token.Column);
                case "params":
                    return new QueryField(QueryFieldKind.Param, name, token.Column);
                case "tags":
                    return new QueryField(QueryFieldKind.Tag, name, token.Column);
                case "attributes":
                case "attribute":
                    if (RunAttributes.All.ContainsKey(name.ToLowerInvariant()))
                    {
                        return new QueryField(QueryFieldKind.Attribute, name.ToLowerInvariant(), token.Column);
                    }

                    throw Error(token.Column + dot + 1, $"unknown attribute '{name}'", DidYouMean(name, RunAttributes.All.Keys));
                default:
                    var suggestion = DidYouMean(prefix, RunAttributes.Prefixes);
                    throw Error(token, $"unknown field prefix '{prefix}' (known: metrics., params., tags., attributes.)",
                        suggestion is null ? null : $"{suggestion[..^2]}.{name}'?");
            }
        }

        private QueryValue ParseValue(QueryField field)
        {
            var token = Current;
            if (token.Kind is not (TokenKind.String or TokenKind.Number))
            {
                throw Error(token, $"expected a value (a number or a quoted string) for '{field}', found {Describe(token)}",
                    token.Kind == TokenKind.Identifier ? $"to compare with the text {token.Text}, quote it: '{token.Text}'" : null);
            }

            Advance();
            if (field.Kind == QueryFieldKind.Metric)
            {
                return token.Kind == TokenKind.Number
                    ? new QueryValue(token.Number, token.Column)
                    : throw Error(token, $"'{field}' is a number; compare it with a number, not the string '{token.Text}'");
            }

            if (field.Kind is QueryFieldKind.Param or QueryFieldKind.Tag)
            {
                return token.Kind == TokenKind.Number ? new QueryValue(token.Number, token.Column) : new QueryValue(token.Text, token.Column);
            }

            switch (RunAttributes.All[field.Name])
            {
                case QueryAttributeType.Text:
                    return token.Kind == TokenKind.String
                        ? new QueryValue(token.Text, token.Column)
                        : throw Error(token, $"'{field}' is text; quote the value: '{token.Text}'");
                case QueryAttributeType.Status:
                    if (token.Kind == TokenKind.String && RunStatuses.TryParse(token.Text, out var status))
                    {
                        return new QueryValue(status.ToWord(), token.Column);
                    }

                    var statuses = Enum.GetValues<RunStatus>().Select(s => s.ToWord()).ToList();
                    throw Error(token, $"'{token.Text}' is not a run status (one of {string.Join(", ", statuses)})", DidYouMean(token.Text, statuses));
                case QueryAttributeType.Kind:
                    var kinds = Enum.GetValues<RunKind>().Select(k => k.ToString().ToLowerInvariant()).ToList();
                    if (token.Kind == TokenKind.String && kinds.Contains(token.Text.ToLowerInvariant()))
                    {
                        return new QueryValue(token.Text.ToLowerInvariant(), token.Column);
                    }

                    throw Error(token, $"'{token.Text}' is not a run kind (one of {string.Join(", ", kinds)})", DidYouMean(token.Text, kinds));
                case QueryAttributeType.Time:
                    if (token.Kind == TokenKind.Number)
                    {
                        return new QueryValue(token.Number, token.Column);
                    }

                    if (DateTimeOffset.TryParse(token.Text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
                    {
                        return new QueryValue((double)time.ToUnixTimeMilliseconds(), token.Column);
                    }

                    throw Error(token, $"'{token.Text}' is not a time", "write an ISO-8601 date like '2025-01-31' or '2025-01-31T12:00:00Z', or Unix milliseconds");
                default:
                    return token.Kind == TokenKind.Number
                        ? new QueryValue(token.Number, token.Column)
                        : throw Error(token, $"'{field}' is a number of seconds; compare it with a number");
            }
        }

        private RunQueryException Error(Token token, string reason, string? suggestion = null) => Error(token.Column, reason, suggestion);

        private RunQueryException Error(int column, string reason, string? suggestion = null) => new(text, column, reason, suggestion);

        private static string Describe(Token token) => token.Kind switch
        {
            TokenKind.End => "the end of the text",
            TokenKind.String => $"the string '{token.Text}'",
            TokenKind.Number => $"the number {token.Text}",
            _ => $"'{token.Text}'",
        };
    }

    private static IEnumerable<string> AttributeAndPrefixNames() =>
        RunAttributes.All.Keys.Concat(RunAttributes.Prefixes.Select(p => p + ".NAME"));

    /// <summary>"did you mean 'x'?" for the closest candidate within a small edit distance.</summary>
    internal static string? DidYouMean(string word, IEnumerable<string> candidates)
    {
        var lower = word.ToLowerInvariant();
        var best = candidates
            .Select(c => (Candidate: c, Distance: Distance(lower, c.EndsWith(".NAME", StringComparison.Ordinal) ? c[..^5] : c)))
            .OrderBy(x => x.Distance)
            .ThenBy(x => x.Candidate, StringComparer.Ordinal)
            .FirstOrDefault();
        return best.Candidate is not null && best.Distance <= Math.Max(2, lower.Length / 3) ? $"did you mean '{best.Candidate}'?" : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
