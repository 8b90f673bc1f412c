using Refit;

namespace MLOps.Backends.Slurm.Api;

/// <summary>
/// The part of slurmrestd's REST API mlpc uses, written from the OpenAPI document the server serves
/// (shared by v0.0.36, v0.0.37 and v0.0.38: the version is a path segment chosen by asking the server).
/// Every call returns <see cref="IApiResponse{T}"/>: slurmrestd answers most problems with HTTP 500 and
/// a body of errors, which <see cref="SlurmErrors"/> turns into messages.
/// </summary>
public interface ISlurmRestApi
{
    /// <summary>The OpenAPI document: its paths say which API versions the server serves.</summary>
    [Get("/openapi/v3")]
    Task<HttpResponseMessage> GetOpenApiAsync(CancellationToken cancellationToken);

    [Get("/slurm/{version}/ping")]
    Task<IApiResponse<SlurmPingsResponse>> PingAsync(string version, CancellationToken cancellationToken);

    /// <summary>Buffered: slurmrestd cannot read a chunked request body.</summary>
    [Post("/slurm/{version}/job/submit")]
    Task<IApiResponse<SlurmSubmitResponse>> SubmitJobAsync(string version, [Body(buffered: true)] SlurmJobSubmission submission, CancellationToken cancellationToken);

    /// <summary>Every job the controller knows (one request for any number of handles).</summary>
    [Get("/slurm/{version}/jobs")]
    Task<IApiResponse<SlurmJobsResponse>> GetJobsAsync(string version, [AliasAs("update_time")] long? updateTime, CancellationToken cancellationToken);

    [Get("/slurm/{version}/job/{jobId}")]
    Task<IApiResponse<SlurmJobsResponse>> GetJobAsync(string version, string jobId, CancellationToken cancellationToken);

    /// <summary>Cancels the job (or sends <paramref name="signal"/>, e.g. <c>KILL</c>).</summary>
    [Delete("/slurm/{version}/job/{jobId}")]
    Task<IApiResponse<SlurmErrorsResponse>> CancelJobAsync(string version, string jobId, [AliasAs("signal")] string? signal, CancellationToken cancellationToken);
}
