namespace MLOps.Runtime.Sweeps.Samplers;

/// <summary>
/// Every combination of the (finite) dimensions' values, in a fixed order: trial n takes point n
/// of the cartesian product, first dimension varying slowest. The order does not depend on the
/// history, so parallel and resumed grids visit the same points. Float ranges are refused (the
/// compiler reports MLP4002 for them already).
/// </summary>
public sealed class GridSampler : ISampler
{
    private readonly SearchSpace space;
    private readonly long[] sizes;

    public GridSampler(SearchSpace space)
    {
        this.space = space;
        sizes = new long[space.Count];
        long total = 1;
        for (var i = 0; i < space.Count; i++)
        {
            sizes[i] = space.Dimensions[i] switch
            {
                ChoiceDimension c => c.Choices.Length,
                IntDimension d => d.Count,
                _ => throw new SweepDefinitionException($"a grid sampler needs finite dimensions: '{space.Dimensions[i].Name}' is a float range; use choice(...) or int(...)"),
            };
            total = total > long.MaxValue / sizes[i] ? long.MaxValue : total * sizes[i];
        }

        Capacity = total;
    }

    public string Name => "grid";

    public long? Capacity { get; }

    public double[] Propose(SamplerContext context)
    {
        if (context.TrialNumber >= Capacity)
        {
            throw new InvalidOperationException($"the grid has {Capacity} points; trial {context.TrialNumber} is past its end");
        }

        var point = new double[space.Count];
        long rest = context.TrialNumber;
        for (var i = space.Count - 1; i >= 0; i--)
        {
            var index = rest % sizes[i];
            rest /= sizes[i];
            point[i] = space.Dimensions[i] is IntDimension d ? d.ValueAt(index) : index;
        }

        return point;
    }
}
