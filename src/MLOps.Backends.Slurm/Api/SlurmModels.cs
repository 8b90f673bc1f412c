using System.Text.Json.Serialization;

namespace MLOps.Backends.Slurm.Api;

// System.Text.Json models for the schemas mlpc reads and writes (names as in the OpenAPI document,
// snake_case on the wire). Only the fields used are modelled; unknown ones are ignored.

/// <summary>One entry of <c>errors</c>. Submit answers carry <c>error_code</c>, the others <c>error_number</c>.</summary>
public sealed class SlurmError
{
    public string? Error { get; set; }

    public string? Description { get; set; }

    public int? ErrorNumber { get; set; }

    public int? ErrorCode { get; set; }

    public string? Source { get; set; }

    [JsonIgnore]
    public int? Number => ErrorNumber ?? ErrorCode;
}

public class SlurmErrorsResponse
{
    public List<SlurmError>? Errors { get; set; }
}

public sealed class SlurmPing
{
    public string? Hostname { get; set; }

    public string? Ping { get; set; }
}

public sealed class SlurmPingsResponse : SlurmErrorsResponse
{
    public List<SlurmPing>? Pings { get; set; }
}

public sealed class SlurmJobSubmission
{
    public required string Script { get; set; }

    public required SlurmJobProperties Job { get; set; }
}

/// <summary><c>v0.0.3x_job_properties</c>: what a job asks for.</summary>
public sealed class SlurmJobProperties
{
    public string? Name { get; set; }

    public string? Partition { get; set; }

    public string? Account { get; set; }

    public string? Qos { get; set; }

    public string? Constraints { get; set; }

    public string? Array { get; set; }

    public int? CpusPerTask { get; set; }

    /// <summary>MiB.</summary>
    public long? MemoryPerNode { get; set; }

    public string? Gres { get; set; }

    /// <summary>Minutes.</summary>
    public long? TimeLimit { get; set; }

    public bool? Requeue { get; set; }

    public required string CurrentWorkingDirectory { get; set; }

    /// <summary>Required by v0.0.38 (HTTP 400 without it).</summary>
    public required Dictionary<string, string> Environment { get; set; }

    public string? StandardOutput { get; set; }

    public string? StandardError { get; set; }

    /// <summary>v0.0.36 spells the output files <c>standard_out</c>.</summary>
    public string? StandardOut { get; set; }
}

public sealed class SlurmSubmitResponse : SlurmErrorsResponse
{
    public long? JobId { get; set; }

    public string? JobSubmitUserMsg { get; set; }
}

public sealed class SlurmJobsResponse : SlurmErrorsResponse
{
    public List<SlurmJob>? Jobs { get; set; }
}

/// <summary><c>v0.0.3x_job_response_properties</c>: what mlpc reads of a job.</summary>
public sealed class SlurmJob
{
    public long JobId { get; set; }

    public string? Name { get; set; }

    public long? ArrayJobId { get; set; }

    public long? ArrayTaskId { get; set; }

    /// <summary>Pending array tasks not split out yet, e.g. <c>5-99</c> (on the record of the array's job id).</summary>
    public string? ArrayTaskString { get; set; }

    public string? JobState { get; set; }

    public string? StateReason { get; set; }

    public string? StateDescription { get; set; }

    /// <summary>The raw wait status of the batch script (<c>exit 3</c> reads 768).</summary>
    public long? ExitCode { get; set; }

    public long? StartTime { get; set; }

    public long? EndTime { get; set; }

    public long? TimeLimit { get; set; }

    public long? MemoryPerNode { get; set; }

    public int? RestartCnt { get; set; }

    public bool? Requeue { get; set; }

    public string? Nodes { get; set; }
}
