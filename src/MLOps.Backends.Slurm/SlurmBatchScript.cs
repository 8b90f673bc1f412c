using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MLOps.Runtime.Execution;

namespace MLOps.Backends.Slurm;

/// <summary>
/// The batch scripts mlpc submits. Slurm needs a shebang (without one the job is accepted and then
/// fails); the script exports the step contract's environment itself, so it holds even where the
/// cluster filters the submitted environment, then runs the node's command with <c>/bin/sh -c</c>.
/// </summary>
public static partial class SlurmBatchScript
{
    public static string ForNode(ResolvedNode node)
    {
        var s = new StringBuilder();
        s.Append("#!/bin/sh\n");
        s.Append(CultureInfo.InvariantCulture, $"# mlpc: run {OneLine(node.RunId)}, step {OneLine(node.NodeInstanceId)}, attempt {node.Attempt}\n");
        AppendEnv(s, node, "");
        s.Append("exec /bin/sh -c ").Append(Quote(node.Command)).Append('\n');
        return s.ToString();
    }

    /// <summary>One script for a job array: task i runs node i, with its own folder, logs and environment.</summary>
    public static string ForArray(IReadOnlyList<ResolvedNode> nodes)
    {
        var s = new StringBuilder();
        s.Append("#!/bin/sh\n");
        s.Append(CultureInfo.InvariantCulture, $"# mlpc: run {OneLine(nodes[0].RunId)}, {nodes.Count} steps as one job array\n");
        s.Append("case \"$SLURM_ARRAY_TASK_ID\" in\n");
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            s.Append(CultureInfo.InvariantCulture, $"{i})\n");
            s.Append(CultureInfo.InvariantCulture, $"  # step {OneLine(node.NodeInstanceId)}, attempt {node.Attempt}\n");
            s.Append("  cd ").Append(Quote(node.WorkDir)).Append(" || exit 1\n");
            s.Append("  exec >").Append(Quote(node.StdoutPath)).Append(" 2>").Append(Quote(node.StderrPath)).Append('\n');
            AppendEnv(s, node, "  ");
            s.Append("  exec /bin/sh -c ").Append(Quote(node.Command)).Append("\n  ;;\n");
        }

        s.Append("*)\n  echo \"mlpc: no step for array task $SLURM_ARRAY_TASK_ID\" >&2\n  exit 2\n  ;;\nesac\n");
        return s.ToString();
    }

    /// <summary>A POSIX shell single-quoted word.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    private static void AppendEnv(StringBuilder s, ResolvedNode node, string indent)
    {
        foreach (var (key, value) in node.Env.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (IsValidName(key))
            {
                s.Append(indent).Append("export ").Append(key).Append('=').Append(Quote(value)).Append('\n');
            }
        }
    }

    private static string OneLine(string text) => text.Replace('\n', ' ').Replace('\r', ' ');

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex NamePattern();
}
