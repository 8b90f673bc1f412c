namespace MLOps.Tracking.Search;

/// <summary>Which family a field belongs to: a run attribute, or a named metric, parameter or tag.</summary>
public enum QueryFieldKind
{
    Attribute,
    Metric,
    Param,
    Tag,
}

/// <summary>The type of a run attribute, which decides what values it can be compared with.</summary>
public enum QueryAttributeType
{
    Text,
    Status,
    Kind,

    /// <summary>A UTC time: compared with a number (Unix milliseconds) or a quoted ISO-8601 date.</summary>
    Time,

    /// <summary>Seconds between start and end.</summary>
    Seconds,
}

/// <summary>A field such as <c>metrics.auc</c> or <c>status</c>; <see cref="Column"/> is 1-based.</summary>
public sealed record QueryField(QueryFieldKind Kind, string Name, int Column)
{
    public override string ToString() => Kind switch
    {
        QueryFieldKind.Metric => "metrics." + Name,
        QueryFieldKind.Param => "params." + Name,
        QueryFieldKind.Tag => "tags." + Name,
        _ => Name,
    };
}

/// <summary>A literal: a string or a number (times already converted to Unix milliseconds).</summary>
public sealed record QueryValue(object Value, int Column)
{
    public bool IsNumber => Value is double;
}

public enum QueryComparison
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

public abstract record QueryExpression(int Column);

public sealed record QueryAnd(QueryExpression Left, QueryExpression Right) : QueryExpression(Left.Column);

public sealed record QueryOr(QueryExpression Left, QueryExpression Right) : QueryExpression(Left.Column);

public sealed record QueryNot(QueryExpression Operand, int NotColumn) : QueryExpression(NotColumn);

public sealed record QueryCompare(QueryField Field, QueryComparison Operator, QueryValue Value) : QueryExpression(Field.Column);

public sealed record QueryIn(QueryField Field, IReadOnlyList<QueryValue> Values, bool Negated) : QueryExpression(Field.Column);

public sealed record QueryLike(QueryField Field, QueryValue Pattern, bool Negated) : QueryExpression(Field.Column);

public sealed record QueryIsNull(QueryField Field, bool Negated) : QueryExpression(Field.Column);

public sealed record QueryOrderTerm(QueryField Field, bool Descending);
