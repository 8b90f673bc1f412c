using System.Linq;
using System.Text;

namespace MLOps.Plan;

/// <summary>The plan's DAG as Graphviz dot or Mermaid text (edges from each node's <c>depends_on</c>).</summary>
public static class PlanGraph
{
    public static string ToDot(ExecutionPlan plan)
    {
        var sb = new StringBuilder();
        sb.Append("digraph \"").Append(Escape(plan.Pipeline)).Append("\" {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
        foreach (var node in plan.Nodes)
        {
            var label = node.Id + (node.FanOut is null ? "" : " [for each]") + (node.Condition is null ? "" : " [if]");
            sb.Append("  \"").Append(Escape(node.Id)).Append("\" [label=\"").Append(Escape(label)).Append("\"];\n");
        }

        foreach (var node in plan.Nodes)
        {
            foreach (var dep in node.DependsOn)
            {
                sb.Append("  \"").Append(Escape(dep)).Append("\" -> \"").Append(Escape(node.Id)).Append("\";\n");
            }
        }

        foreach (var reg in plan.Registrations)
        {
            sb.Append("  \"").Append(Escape(reg.Id)).Append("\" [shape=note, label=\"register ").Append(Escape(reg.Model)).Append("\"];\n");
            foreach (var dep in reg.DependsOn)
            {
                sb.Append("  \"").Append(Escape(dep)).Append("\" -> \"").Append(Escape(reg.Id)).Append("\";\n");
            }
        }

        return sb.Append("}\n").ToString();
    }

    public static string ToMermaid(ExecutionPlan plan)
    {
        var ids = plan.Nodes.Select(n => n.Id).Concat(plan.Registrations.Select(r => r.Id)).Select((id, i) => (id, key: "n" + i)).ToDictionary(x => x.id, x => x.key);
        var sb = new StringBuilder("flowchart LR\n");
        foreach (var node in plan.Nodes)
        {
            sb.Append("  ").Append(ids[node.Id]).Append("[\"").Append(node.Id.Replace("\"", "'")).Append(node.FanOut is null ? "" : " (for each)").Append("\"]\n");
        }

        foreach (var reg in plan.Registrations)
        {
            sb.Append("  ").Append(ids[reg.Id]).Append("[/\"register ").Append(reg.Model.Replace("\"", "'")).Append("\"/]\n");
        }

        foreach (var node in plan.Nodes)
        {
            foreach (var dep in node.DependsOn.Where(ids.ContainsKey))
            {
                sb.Append("  ").Append(ids[dep]).Append(node.Condition is null ? " --> " : " -. if .-> ").Append(ids[node.Id]).Append('\n');
            }
        }

        foreach (var reg in plan.Registrations)
        {
            foreach (var dep in reg.DependsOn.Where(ids.ContainsKey))
            {
                sb.Append("  ").Append(ids[dep]).Append(reg.Condition is null ? " --> " : " -. if .-> ").Append(ids[reg.Id]).Append('\n');
            }
        }

        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"");
}
