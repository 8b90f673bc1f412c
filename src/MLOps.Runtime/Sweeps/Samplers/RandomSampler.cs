namespace MLOps.Runtime.Sweeps.Samplers;

/// <summary>
/// Independent uniform draws per dimension (in log space for log scales; integers drawn over
/// [low - step/2, high + step/2] and rounded to the grid, as Optuna does). Trial n uses stream n of
/// the seed, so the proposal ignores the history entirely.
/// </summary>
public sealed class RandomSampler(SearchSpace space, ulong seed) : ISampler
{
    public string Name => "random";

    public long? Capacity => null;

    public double[] Propose(SamplerContext context)
    {
        var rng = SweepRandom.ForStream(seed, (ulong)context.TrialNumber);
        var point = new double[space.Count];
        for (var i = 0; i < space.Count; i++)
        {
            point[i] = Draw(space.Dimensions[i], rng);
        }

        return point;
    }

    /// <summary>One uniform draw from a dimension (also TPE's start-up draw).</summary>
    public static double Draw(SearchDimension dimension, SweepRandom rng)
    {
        switch (dimension)
        {
            case ChoiceDimension c:
                return rng.NextInt(c.Choices.Length);
            case FloatDimension f:
                var t = ParzenBounds.Of(f);
                return ParzenBounds.FromInternal(f, rng.NextDouble(t.Low, t.High));
            case IntDimension i:
                var b = ParzenBounds.Of(i);
                return ParzenBounds.FromInternal(i, rng.NextDouble(b.Low, b.High));
            default:
                throw new ArgumentOutOfRangeException(nameof(dimension), dimension, null);
        }
    }
}
