using MLOps.Plan;
using MLOps.Tracking.Registry;

namespace MLOps.Runtime.Policies;

/// <summary>
/// What a policy's rules can read: the candidate version and the versions the aliases hold,
/// each as <c>version</c>, <c>metrics</c> and <c>tags</c> (what the language allows in policies).
/// Holders are read once, at evaluation time; the alias moves expect exactly these.
/// </summary>
public sealed class PolicyModelContext
{
    public PolicyModelContext(ModelVersion candidate, IReadOnlyDictionary<string, ModelVersion?> holders, Func<string, string?>? environment = null)
    {
        Candidate = candidate;
        Holders = holders;
        Environment = environment ?? System.Environment.GetEnvironmentVariable;
    }

    public ModelVersion Candidate { get; }

    /// <summary>Alias name (without <c>@</c>) to the version it holds, null when the alias is not set.</summary>
    public IReadOnlyDictionary<string, ModelVersion?> Holders { get; }

    public Func<string, string?> Environment { get; }

    /// <summary>The version a reference names: <c>candidate</c> or <c>@alias</c>.</summary>
    public ModelVersion Resolve(string reference)
    {
        if (reference == ModelRefExpr.Candidate)
        {
            return Candidate;
        }

        var alias = reference.TrimStart('@');
        if (!Holders.TryGetValue(alias, out var holder))
        {
            throw new PolicyValueException($"the policy reads @{alias}, which it does not declare in reads_aliases (rebuild the plan)");
        }

        return holder ?? throw new PolicyValueException(
            $"alias @{alias} of model '{Candidate.Model}' is not set, so there is no version to compare against " +
            $"(for a first promotion, set it once by hand: mlpc models alias set {Candidate.Model} {alias} VERSION)");
    }

    /// <summary>How a reference is shown: <c>candidate(v3)</c>, <c>@champion(v2)</c>.</summary>
    public string Describe(string reference)
    {
        if (reference == ModelRefExpr.Candidate)
        {
            return $"candidate(v{Candidate.Version})";
        }

        var alias = reference.TrimStart('@');
        return Holders.TryGetValue(alias, out var holder) && holder is not null ? $"@{alias}(v{holder.Version})" : $"@{alias}(unset)";
    }
}
