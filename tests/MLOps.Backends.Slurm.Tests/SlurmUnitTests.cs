using System.Net;
using System.Text;
using System.Text.Json;
using MLOps.Backends.Slurm.Api;
using MLOps.Plan;
using MLOps.Runtime.Execution;

namespace MLOps.Backends.Slurm.Tests;

/// <summary>Mapping, decoding and configuration: no Slurm needed.</summary>
public sealed class SlurmUnitTests
{
    [Theory]
    [InlineData(0, 0, null)]
    [InlineData(768, 3, null)]
    [InlineData(256, 1, null)]
    [InlineData(65280, 255, null)]
    [InlineData(9, 137, 9)]
    [InlineData(15, 143, 15)]
    [InlineData(137, 137, 9)] // 9 | core dump flag
    public void Wait_statuses_are_decoded(long raw, int code, int? signal)
    {
        Assert.Equal((code, signal), SlurmJobStates.DecodeWaitStatus(raw));
    }

    [Theory]
    [InlineData("PENDING", ExecutionState.Pending)]
    [InlineData("REQUEUED", ExecutionState.Pending)]
    [InlineData("REQUEUE_HOLD", ExecutionState.Pending)]
    [InlineData("CONFIGURING", ExecutionState.Running)]
    [InlineData("RUNNING", ExecutionState.Running)]
    [InlineData("COMPLETING", ExecutionState.Running)]
    [InlineData("SUSPENDED", ExecutionState.Running)]
    [InlineData("COMPLETED", ExecutionState.Succeeded)]
    [InlineData("FAILED", ExecutionState.Failed)]
    [InlineData("CANCELLED", ExecutionState.Cancelled)]
    [InlineData("CANCELLED+", ExecutionState.Cancelled)]
    [InlineData("TIMEOUT", ExecutionState.TimedOut)]
    [InlineData("DEADLINE", ExecutionState.TimedOut)]
    [InlineData("NODE_FAIL", ExecutionState.NodeFailure)]
    [InlineData("BOOT_FAIL", ExecutionState.NodeFailure)]
    [InlineData("PREEMPTED", ExecutionState.NodeFailure)]
    [InlineData("OUT_OF_MEMORY", ExecutionState.OutOfMemory)]
    [InlineData("SPECIAL_EXIT", ExecutionState.Failed)]
    [InlineData("WHATEVER", ExecutionState.Lost)]
    public void Slurm_states_map_to_the_runtime_states(string state, ExecutionState expected)
    {
        Assert.Equal(expected, SlurmJobStates.Map(new SlurmJob { JobId = 1, JobState = state, ExitCode = 256 }).State);
    }

    [Fact]
    public void A_preempted_requeueable_job_is_followed_as_pending()
    {
        var status = SlurmJobStates.Map(new SlurmJob { JobId = 1, JobState = "PREEMPTED", Requeue = true });
        Assert.Equal(ExecutionState.Pending, status.State);
        Assert.Contains("requeues", status.Message);
    }

    [Fact]
    public void A_failed_job_reports_its_decoded_exit_code_or_signal()
    {
        var failed = SlurmJobStates.Map(new SlurmJob { JobId = 1, JobState = "FAILED", ExitCode = 768, StateReason = "NonZeroExitCode" });
        Assert.Equal((ExecutionState.Failed, 3, "exited with code 3"), (failed.State, failed.ExitCode, failed.Message));
        var killed = SlurmJobStates.Map(new SlurmJob { JobId = 1, JobState = "FAILED", ExitCode = 9 });
        Assert.Equal((137, "killed by signal 9"), (killed.ExitCode, killed.Message));
    }

    [Fact]
    public void A_pending_job_says_why()
    {
        var status = SlurmJobStates.Map(new SlurmJob { JobId = 1, JobState = "PENDING", StateReason = "PartitionTimeLimit" });
        Assert.Contains("never start", status.Message);
    }

    [Theory]
    [InlineData("0-99", 42, true)]
    [InlineData("0-99", 100, false)]
    [InlineData("1,3,5-9", 7, true)]
    [InlineData("1,3,5-9", 4, false)]
    [InlineData("0-98:2", 4, true)]
    [InlineData("0-98:2", 5, false)]
    [InlineData("3-9%2", 9, true)]
    public void Array_task_strings_are_understood(string ranges, long task, bool inside)
    {
        Assert.Equal(inside, SlurmJobStates.InTaskRanges(ranges, task));
    }

    [Fact]
    public void Target_properties_are_read_with_environment_values()
    {
        var target = new PlanTarget("c", "slurm", [
            new("url", new EnvValue("U")), new("partition", PlanValue.Of("gpu")), new("account", PlanValue.Of("ml")),
            new("qos", PlanValue.Of("high")), new("constraint", PlanValue.Of("a100")), new("poll_interval", PlanValue.Of(5.0)),
            new("token_env", PlanValue.Of("TOK"))]);
        var o = SlurmTargetOptions.FromTarget(target, n => n switch { "U" => "http://head:6820", "SLURM_USER_NAME" => "alice", _ => null });
        Assert.Equal(new Uri("http://head:6820"), o.Url);
        Assert.Equal(("gpu", "ml", "high", "a100", "alice", "TOK"), (o.Partition, o.Account, o.Qos, o.Constraint, o.User, o.TokenVariable));
        Assert.Equal(TimeSpan.FromSeconds(5), o.PollInterval);
    }

    [Theory]
    [InlineData("url", "ftp://x", "is not an http:// or https:// address")]
    [InlineData("url", "ENV:MISSING", "comes from the environment variable MISSING, which is not set")]
    [InlineData("poll_interval", "-1", "poll_interval must be greater than zero")]
    public void Wrong_target_properties_say_what_to_fix(string name, string value, string message)
    {
        var props = new Dictionary<string, PlanValue> { ["url"] = PlanValue.Of("http://h:6820") };
        props[name] = value.StartsWith("ENV:", StringComparison.Ordinal) ? new EnvValue(value[4..]) : name == "poll_interval" ? PlanValue.Of(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture)) : PlanValue.Of(value);
        var e = Assert.Throws<SlurmConfigurationException>(() => SlurmTargetOptions.FromTarget(new PlanTarget("c", "slurm", [.. props]), _ => null));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_minted_token_is_an_hs256_jwt_with_the_user_and_expiry()
    {
        var key = Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef");
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var parts = SlurmTokenSource.Mint(key, "alice", now, TimeSpan.FromHours(1)).Split('.');
        Assert.Equal(3, parts.Length);
        static byte[] Decode(string s) => Convert.FromBase64String(s.Replace('-', '+').Replace('_', '/').PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
        using var claims = JsonDocument.Parse(Decode(parts[1]));
        Assert.Equal("alice", claims.RootElement.GetProperty("sun").GetString());
        Assert.Equal(1_700_003_600, claims.RootElement.GetProperty("exp").GetInt64());
        var expected = System.Security.Cryptography.HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        Assert.Equal(expected, Decode(parts[2]));
    }

    [Fact]
    public void Slurm_error_numbers_become_messages_that_say_what_to_fix()
    {
        var options = SlurmTargetOptions.FromTarget(new PlanTarget("c", "slurm", [new("url", PlanValue.Of("http://h:6820")), new("partition", PlanValue.Of("gpu"))]), _ => null);
        var errors = SlurmErrors.Parse("""{"errors":[{"error_code":2000,"error":"Invalid partition name specified"}]}""");
        var text = SlurmErrors.Describe("submitting step a", HttpStatusCode.InternalServerError, errors, options);
        Assert.Contains("Invalid partition name specified [error 2000]", text);
        Assert.Contains("no partition 'gpu'", text);
        var token = SlurmErrors.Describe("ping", HttpStatusCode.InternalServerError, SlurmErrors.Parse("""{"errors":[{"error_number":5005,"error":"Zero Bytes were transmitted or received"}]}"""), options);
        Assert.Contains("token is invalid or expired", token);
        Assert.Contains("SLURM_JWT", token);
    }

    [Fact]
    public void Job_states_are_read_from_a_v0_0_38_answer()
    {
        const string body = """{"meta":{"Slurm":{"version":{"major":22}}},"errors":[],"jobs":[{"job_id":7,"array_job_id":0,"job_state":"FAILED","exit_code":768,"state_reason":"NonZeroExitCode","start_time":1,"memory_per_node":500}]}""";
        var response = JsonSerializer.Deserialize<SlurmJobsResponse>(body, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
        var job = Assert.Single(response!.Jobs!);
        Assert.Equal((7L, "FAILED", 768L), (job.JobId, job.JobState!, job.ExitCode!.Value));
    }

    [Fact]
    public void The_array_script_gives_each_task_its_folder_logs_and_environment()
    {
        var target = new PlanTarget("c", "slurm", []);
        ResolvedNode N(int i) => new()
        {
            RunId = "r",
            NodeInstanceId = $"f[{i}]",
            Attempt = 1,
            Command = $"echo {i}",
            Env = new Dictionary<string, string> { ["MLP_I"] = $"{i}", ["bad name"] = "x" },
            Resources = new PlanResources(1, 0, 0, null),
            Target = target,
            WorkDir = $"/w/{i}",
            StdoutPath = $"/w/{i}/o",
            StderrPath = $"/w/{i}/e",
        };
        var script = SlurmBatchScript.ForArray([N(0), N(1)]);
        Assert.StartsWith("#!/bin/sh\n", script);
        Assert.Contains("1)\n  # step f[1], attempt 1\n  cd '/w/1' || exit 1\n  exec >'/w/1/o' 2>'/w/1/e'\n  export MLP_I='1'\n  exec /bin/sh -c 'echo 1'\n  ;;", script);
        Assert.DoesNotContain("bad name", script);
        Assert.Equal("'it'\\''s'", SlurmBatchScript.Quote("it's"));
    }
}
