using MLOps.Plan;

namespace MLOps.Runtime.Values;

/// <summary>
/// An artifact at run time: the file or folder a step wrote (or that was materialized for it), and
/// its content digest once stored. Substituted into commands as its path.
/// </summary>
public sealed record ArtifactValue(string Path, string? Digest) : PlanValue
{
    public override string ToCommandText() => Path;
}

/// <summary>
/// The value of an output of a step that did not run because its condition was false (or a step
/// it depended on was skipped): whatever reads it is skipped too.
/// </summary>
public sealed class SkippedValueException(string node) : Exception($"'{node}' did not run (its condition was false)")
{
    public string Node { get; } = node;
}
