using System.Collections.Immutable;
using MLOps.Plan;
using MLOps.Runtime.Values;

namespace MLOps.Runtime.Scheduling;

internal enum ItemOutcome
{
    Succeeded,
    Skipped,
    Failed,
}

/// <summary>
/// One unit of work of a run: a step instance, a fan-out's expansion, the completion of a fan-out
/// group, or a registration. It becomes ready when every item it depends on is done.
/// </summary>
internal abstract class WorkItem(ImmutableArray<int> indices)
{
    public ImmutableArray<int> Indices { get; } = indices;

    public int Remaining { get; set; }

    public List<WorkItem> Dependents { get; } = [];

    public ItemOutcome? Outcome { get; set; }

    /// <summary>The first dependency that failed: this item will not run.</summary>
    public string? BlockedBy { get; set; }

    public abstract string Name { get; }

    public static string Suffix(ImmutableArray<int> indices) => string.Concat(indices.Select(i => "[" + i + "]"));
}

internal sealed class NodeItem(PlanNode node, ImmutableArray<string> chain, ImmutableArray<int> indices, int order) : WorkItem(indices)
{
    public PlanNode Node { get; } = node;

    public ImmutableArray<string> Chain { get; } = chain;

    /// <summary>Plan order, so ready steps start in the order they are written.</summary>
    public int Order { get; } = order;

    public string InstanceId { get; } = node.Id + Suffix(indices);

    public override string Name => InstanceId;

    public IReadOnlyDictionary<string, PlanValue> Outputs { get; set; } = new Dictionary<string, PlanValue>();
}

internal sealed class ExpansionItem(PlanFanOut fanOut, ImmutableArray<string> parentChain, ImmutableArray<int> indices) : WorkItem(indices)
{
    public PlanFanOut FanOut { get; } = fanOut;

    public ImmutableArray<string> ParentChain { get; } = parentChain;

    public ImmutableArray<PlanValue> Items { get; set; } = [];

    public override string Name => "for " + FanOut.Variable + Suffix(Indices);
}

internal sealed class GroupItem(PlanFanOut fanOut, ImmutableArray<int> indices) : WorkItem(indices)
{
    public PlanFanOut FanOut { get; } = fanOut;

    public override string Name => "for " + FanOut.Variable + Suffix(Indices);
}

internal sealed class RegistrationItem(PlanRegistration registration, ImmutableArray<string> chain, ImmutableArray<int> indices) : WorkItem(indices)
{
    public PlanRegistration Registration { get; } = registration;

    public ImmutableArray<string> Chain { get; } = chain;

    public override string Name => "register " + Registration.Model + Suffix(Indices);
}

/// <summary>
/// The run-time graph of a plan. Fan-outs are expanded when their items can be evaluated (they
/// may depend on earlier steps' outputs); a fan-out group stands for all of its instances, so a
/// step that gathers over a fan-out waits for the group rather than for instances that do not
/// exist yet.
/// </summary>
internal sealed class WorkGraph
{
    private readonly ExecutionPlan plan;
    private readonly IReadOnlyDictionary<string, PlanValue> sweptParams;
    private readonly Dictionary<string, PlanFanOut> fanOuts;
    private readonly Dictionary<string, ImmutableArray<string>> nodeChains = [];
    private readonly Dictionary<string, int> nodeOrder = [];
    private readonly Dictionary<string, NodeItem> instances = [];
    private readonly Dictionary<string, GroupItem> groups = [];
    private readonly Dictionary<string, ExpansionItem> expansions = [];

    public WorkGraph(ExecutionPlan plan, IReadOnlyDictionary<string, PlanValue> sweptParams)
    {
        this.plan = plan;
        this.sweptParams = sweptParams;
        fanOuts = plan.FanOuts.ToDictionary(f => f.Id);
        for (var i = 0; i < plan.Nodes.Length; i++)
        {
            nodeChains[plan.Nodes[i].Id] = Chain(plan.Nodes[i].FanOut);
            nodeOrder[plan.Nodes[i].Id] = i;
        }
    }

    public IEnumerable<NodeItem> Instances => instances.Values;

    public IEnumerable<WorkItem> AllItems => instances.Values.Cast<WorkItem>().Concat(groups.Values).Concat(expansions.Values);

    /// <summary>The fan-outs from outermost to innermost that enclose <paramref name="fanOut"/> (itself included).</summary>
    public ImmutableArray<string> Chain(string? fanOut)
    {
        var chain = new List<string>();
        for (var f = fanOut; f is not null; f = fanOuts[f].Parent)
        {
            chain.Insert(0, f);
        }

        return [.. chain];
    }

    /// <summary>The items of the top level: created and wired, ready ones have <c>Remaining == 0</c>.</summary>
    public List<WorkItem> CreateTopLevel() => CreateLevel(null, []);

    /// <summary>Creates the instances of an expanded fan-out and makes its group wait for them.</summary>
    public List<WorkItem> Expand(ExpansionItem expansion)
    {
        var group = groups[Key(expansion.FanOut.Id, expansion.Indices)];
        var created = new List<WorkItem>();
        for (var i = 0; i < expansion.Items.Length; i++)
        {
            created.AddRange(CreateLevel(expansion.FanOut.Id, expansion.Indices.Add(i)));
        }

        foreach (var item in created.Where(c => c is not ExpansionItem))
        {
            group.Remaining++;
            item.Dependents.Add(group);
        }

        return created;
    }

    private List<WorkItem> CreateLevel(string? fanOut, ImmutableArray<int> indices)
    {
        var created = new List<WorkItem>();
        var chain = Chain(fanOut);
        foreach (var node in plan.Nodes.Where(n => n.FanOut == fanOut))
        {
            var item = new NodeItem(node, chain, indices, nodeOrder[node.Id]);
            instances[Key(node.Id, indices)] = item;
            created.Add(item);
        }

        foreach (var registration in plan.Registrations.Where(r => r.FanOut == fanOut))
        {
            created.Add(new RegistrationItem(registration, chain, indices));
        }

        foreach (var child in plan.FanOuts.Where(f => f.Parent == fanOut))
        {
            var expansion = new ExpansionItem(child, chain, indices);
            var group = new GroupItem(child, indices);
            expansions[Key(child.Id, indices)] = expansion;
            groups[Key(child.Id, indices)] = group;
            created.Add(expansion);
            created.Add(group);
        }

        foreach (var item in created)
        {
            foreach (var dependency in DependenciesOf(item))
            {
                if (dependency.Outcome is { } outcome)
                {
                    if (outcome == ItemOutcome.Failed)
                    {
                        item.BlockedBy ??= dependency.BlockedBy ?? dependency.Name;
                    }

                    continue;
                }

                item.Remaining++;
                dependency.Dependents.Add(item);
            }
        }

        return created;
    }

    private IEnumerable<WorkItem> DependenciesOf(WorkItem item) => item switch
    {
        NodeItem n => n.Node.DependsOn.Select(d => Resolve(d, n.Chain, n.Indices)),
        RegistrationItem r => r.Registration.DependsOn.Select(d => Resolve(d, r.Chain, r.Indices)),
        ExpansionItem e => NodesReferenced(e.FanOut.Items).Select(d => Resolve(d, e.ParentChain, e.Indices)),
        GroupItem g => [expansions[Key(g.FanOut.Id, g.Indices)]],
        _ => [],
    };

    /// <summary>The instance of <paramref name="node"/> seen from (chain, indices), or the group of its fan-out when it is deeper.</summary>
    private WorkItem Resolve(string node, ImmutableArray<string> chain, ImmutableArray<int> indices)
    {
        var target = nodeChains[node];
        var common = CommonPrefix(target, chain);
        var prefix = indices[..common];
        return target.Length == common ? instances[Key(node, prefix)] : groups[Key(target[common], prefix)];
    }

    private static int CommonPrefix(ImmutableArray<string> a, ImmutableArray<string> b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n])
        {
            n++;
        }

        return n;
    }

    private static IEnumerable<string> NodesReferenced(PlanExpr expr) => expr switch
    {
        OutputRefExpr o => [o.Node],
        GatherExpr g => NodesReferenced(g.Value),
        OpExpr op => op.Args.SelectMany(NodesReferenced),
        ListExpr l => l.Items.SelectMany(NodesReferenced),
        RecordExpr r => r.Fields.SelectMany(f => NodesReferenced(f.Value)),
        ConcatExpr c => c.Parts.SelectMany(NodesReferenced),
        _ => [],
    };

    private static string Key(string id, ImmutableArray<int> indices) => id + "|" + string.Join(",", indices);

    public IExprScope ScopeOf(ImmutableArray<string> chain, ImmutableArray<int> indices) => new Scope(this, chain, indices);

    /// <summary>Resolves expression leaves for the item at (chain, indices): same-index instances, outer items, gathers.</summary>
    private sealed class Scope(WorkGraph graph, ImmutableArray<string> chain, ImmutableArray<int> indices) : IExprScope
    {
        public PlanValue Output(string node, string output)
        {
            var target = graph.nodeChains[node];
            var common = CommonPrefix(target, chain);
            if (target.Length != common)
            {
                throw new RuntimeEvaluationException($"'{node}' runs once per item of a fan-out: read it through the list the 'for' yields");
            }

            var instance = graph.instances[Key(node, indices[..common])];
            if (instance.Outcome == ItemOutcome.Skipped)
            {
                throw new SkippedValueException(instance.InstanceId);
            }

            return instance.Outputs.TryGetValue(output, out var value)
                ? value
                : throw new RuntimeEvaluationException($"'{instance.InstanceId}' has no output '{output}'");
        }

        public PlanValue Item(string fanOut)
        {
            var position = chain.IndexOf(fanOut);
            var expansion = graph.expansions[Key(fanOut, indices[..position])];
            return expansion.Items[indices[position]];
        }

        public PlanValue Gather(string fanOut, PlanExpr value)
        {
            var inner = graph.Chain(fanOut);
            var prefix = indices[..(inner.Length - 1)];
            var expansion = graph.expansions[Key(fanOut, prefix)];
            return new ListValue([.. Enumerable.Range(0, expansion.Items.Length)
                .Select(i => ExprEvaluator.Evaluate(value, new Scope(graph, inner, prefix.Add(i))))]);
        }

        public PlanValue Param(string name) =>
            graph.sweptParams.TryGetValue(name, out var v) ? v
            : graph.plan.Params.FirstOrDefault(p => p.Name == name) is { Value: not NullValue } p ? p.Value
            : throw new RuntimeEvaluationException($"parameter '{name}' has no value (a swept parameter needs one from the sweep)");
    }
}
