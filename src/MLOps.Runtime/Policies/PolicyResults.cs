using MLOps.Tracking.Registry;

namespace MLOps.Runtime.Policies;

public enum VerdictStatus
{
    Passed,
    Failed,

    /// <summary>An approval rule whose group has not approved yet.</summary>
    Pending,
}

/// <summary>
/// The verdict of one rule: its text, what it compared (<see cref="Compared"/>, e.g.
/// <c>0.93 &gt;= 0.85</c>), the model values it read, and why it failed when it did.
/// </summary>
public sealed record PolicyVerdict
{
    public required int Index { get; init; }

    /// <summary><c>require</c> or <c>approval</c>.</summary>
    public required string Kind { get; init; }

    public required string Text { get; init; }

    public required VerdictStatus Status { get; init; }

    public string Compared { get; init; } = "";

    public IReadOnlyList<PolicyRead> Reads { get; init; } = [];

    /// <summary>The rule's <c>else</c> message on failure, the reason it could not be judged, or who approved.</summary>
    public string? Message { get; init; }

    public string? Group { get; init; }

    public PromotionApproval? Approval { get; init; }
}

public enum PolicyOutcome
{
    /// <summary>Every rule passed and every approval is given: on-pass actions ran.</summary>
    Passed,

    /// <summary>A rule failed: on-fail actions ran.</summary>
    Failed,

    /// <summary>Every rule passed, approvals are missing: nothing ran yet.</summary>
    Pending,

    /// <summary>An alias moved under us between evaluation and the compare-and-swap: nothing was overwritten.</summary>
    Conflict,
}

public enum ActionStatus
{
    Applied,
    Unchanged,

    /// <summary>Dry run: what would have been done.</summary>
    Planned,

    /// <summary>Not run because an earlier action hit a conflict.</summary>
    Skipped,
    Conflict,
    Failed,

    /// <summary>Applied, then undone because a later alias move of the same promotion conflicted.</summary>
    RolledBack,
}

/// <summary>One action of an outcome and what came of it.</summary>
public sealed record PolicyActionResult(string Kind, string Target, ActionStatus Status, string Message);

public sealed record PolicyEvaluation
{
    public required string Policy { get; init; }

    public required string Model { get; init; }

    public required int Version { get; init; }

    public required PolicyOutcome Outcome { get; init; }

    public required bool DryRun { get; init; }

    public IReadOnlyList<PolicyVerdict> Verdicts { get; init; } = [];

    /// <summary>The version each alias held when the rules were evaluated (null: not set); alias moves expect these.</summary>
    public IReadOnlyDictionary<string, int?> Holders { get; init; } = new Dictionary<string, int?>();

    public IReadOnlyList<string> PendingGroups { get; init; } = [];

    public IReadOnlyList<PolicyActionResult> Actions { get; init; } = [];

    /// <summary>The <c>policy.evaluate</c> audit event that records this evaluation.</summary>
    public long AuditId { get; init; }

    /// <summary>One line for people: what happened and what to do next.</summary>
    public string Summary { get; init; } = "";
}

/// <summary>How an evaluation runs.</summary>
public sealed record PromotionOptions
{
    /// <summary>Judge the rules and record the evaluation in the audit log; run no action, store no promotion.</summary>
    public bool DryRun { get; init; }

    /// <summary>Who promotes (kept in the audit and alias history); defaults to the OS user.</summary>
    public string? Actor { get; init; }

    /// <summary>What started the evaluation: <c>cli</c>, <c>register</c>, <c>approve</c>.</summary>
    public string Trigger { get; init; } = "cli";

    /// <summary>The run that registered the version, when a pipeline triggered the evaluation.</summary>
    public string? RunId { get; init; }

    /// <summary>Where webhook secrets (and <c>env()</c> in rules) are read; the process environment by default.</summary>
    public Func<string, string?>? Environment { get; init; }
}

/// <summary>What <c>mlpc approve</c> did: the approvals recorded (or found) and the evaluation that followed.</summary>
public sealed record ApprovalOutcome(IReadOnlyList<ApprovalResult> Approvals, PolicyEvaluation Evaluation);
