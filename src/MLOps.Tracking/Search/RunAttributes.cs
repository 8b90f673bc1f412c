namespace MLOps.Tracking.Search;

/// <summary>The run attributes the query language knows, with their types. One home for the list.</summary>
public static class RunAttributes
{
    public static readonly IReadOnlyDictionary<string, QueryAttributeType> All = new Dictionary<string, QueryAttributeType>(StringComparer.Ordinal)
    {
        ["run_id"] = QueryAttributeType.Text,
        ["name"] = QueryAttributeType.Text,
        ["experiment"] = QueryAttributeType.Text,
        ["status"] = QueryAttributeType.Status,
        ["kind"] = QueryAttributeType.Kind,
        ["pipeline"] = QueryAttributeType.Text,
        ["parent_run_id"] = QueryAttributeType.Text,
        ["root_run_id"] = QueryAttributeType.Text,
        ["node"] = QueryAttributeType.Text,
        ["git_commit"] = QueryAttributeType.Text,
        ["source_digest"] = QueryAttributeType.Text,
        ["plan_digest"] = QueryAttributeType.Text,
        ["cache_key"] = QueryAttributeType.Text,
        ["created_time"] = QueryAttributeType.Time,
        ["start_time"] = QueryAttributeType.Time,
        ["end_time"] = QueryAttributeType.Time,
        ["duration"] = QueryAttributeType.Seconds,
    };

    /// <summary>Prefixes of named fields; <c>attributes.</c> is an optional prefix of attributes.</summary>
    public static readonly IReadOnlyList<string> Prefixes = ["metrics", "params", "tags", "attributes"];
}
