using System.Collections.Immutable;
using CsCheck;
using MLOps.Plan;
using MLOps.Runtime.Sweeps;

namespace MLOps.Runtime.Tests.Sweeps;

/// <summary>Search spaces and generators shared by the sweep tests.</summary>
internal static class SweepTestSpaces
{
    public static readonly Gen<SearchDimension> Dimension = Gen.Select(Gen.Int[0, 4], Gen.Double[-50, 50], Gen.Double[0.01, 200], Gen.Int[1, 7], (kind, a, width, n) => kind switch
    {
        0 => (SearchDimension)new FloatDimension("f", a, a + width, Log: false),
        1 => new FloatDimension("lf", Math.Abs(a) + 1e-4, Math.Abs(a) + 1e-4 + width, Log: true),
        2 => new IntDimension("i", Math.Round(a), Math.Round(a) + n * 3, n, Log: false, IntegerParameter: true),
        3 => new IntDimension("li", n, n + Math.Round(width) + 1, 1 + (n % 3), Log: true, IntegerParameter: n % 2 == 0),
        _ => new ChoiceDimension("c", [.. Enumerable.Range(0, n).Select(i => PlanValue.Of("v" + i))]),
    });

    public static readonly Gen<SearchSpace> Space = Dimension.Array[1, 5].Select(ds => new SearchSpace(ds.Select((d, i) => d with { Name = d.Name + i })));

    public static SearchSpace Branin => new([new FloatDimension("x1", -5, 10, false), new FloatDimension("x2", 0, 15, false)]);

    public static double BraninValue(double[] x)
    {
        const double a = 1, b = 5.1 / (4 * Math.PI * Math.PI), c = 5 / Math.PI, r = 6, s = 10, t = 1 / (8 * Math.PI);
        var y = x[1] - b * x[0] * x[0] + c * x[0] - r;
        return a * y * y + s * (1 - t) * Math.Cos(x[0]) + s;
    }

    /// <summary>A history of finished trials with points drawn at random, objective = f(point).</summary>
    public static List<TrialObservation> History(SearchSpace space, int count, Func<double[], double> f, ulong seed, int failedEvery = 0, int prunedEvery = 0)
    {
        var random = new MLOps.Runtime.Sweeps.Samplers.RandomSampler(space, seed);
        var list = new List<TrialObservation>();
        for (var n = 0; n < count; n++)
        {
            var p = random.Propose(new SamplerContext(n, [], []));
            var state = failedEvery > 0 && n % failedEvery == failedEvery - 1 ? TrialState.Failed
                : prunedEvery > 0 && n % prunedEvery == prunedEvery - 1 ? TrialState.Pruned
                : TrialState.Succeeded;
            var value = f(p);
            list.Add(new TrialObservation(
                n,
                [.. p],
                state,
                state == TrialState.Succeeded ? value : null,
                state == TrialState.Pruned ? [new IntermediateValue(1, value), new IntermediateValue(2 + n % 3, value)] : ImmutableArray<IntermediateValue>.Empty));
        }

        return list;
    }
}
