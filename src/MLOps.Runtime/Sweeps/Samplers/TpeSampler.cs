namespace MLOps.Runtime.Sweeps.Samplers;

/// <summary>
/// TPE options; the defaults are Optuna 3.1's <c>TPESampler()</c> defaults except that the Parzen
/// estimator is joint over all dimensions (<see cref="Multivariate"/>), with adaptive bandwidths.
/// <c>Multivariate = false</c> is Optuna 3.1's default TPE; <c>Multivariate</c> with
/// <c>ScottBandwidth = true</c> is its <c>multivariate=True</c>.
/// </summary>
public sealed record TpeOptions
{
    /// <summary>Random trials before the Parzen estimators take over (counting succeeded and pruned trials).</summary>
    public int StartupTrials { get; init; } = 10;

    /// <summary>Candidates drawn from the good-trials density; the one with the best l(x)/g(x) wins.</summary>
    public int EiCandidates { get; init; } = 24;

    /// <summary>Fraction of trials counted as good: min(ceil(gamma * n), <see cref="MaxGood"/>).</summary>
    public double Gamma { get; init; } = 0.1;

    public int MaxGood { get; init; } = 25;

    /// <summary>Weight of the prior component (a Gaussian over the whole range / uniform over choices).</summary>
    public double PriorWeight { get; init; } = 1.0;

    /// <summary>Lower-bound bandwidths at range / min(100, 1 + components) so densities never collapse.</summary>
    public bool MagicClip { get; init; } = true;

    /// <summary>
    /// Optuna 3.1's continuous density, which leaves out each component's 1/sigma (see
    /// <see cref="NumericParzenEstimator"/>); false for the textbook normalised mixture.
    /// </summary>
    public bool BandwidthWeighted { get; init; } = true;

    /// <summary>
    /// One joint Parzen estimator over all dimensions (structured as Optuna's <c>multivariate=True</c>)
    /// instead of one per dimension; candidates are drawn jointly and scored by the joint l(x)/g(x).
    /// </summary>
    public bool Multivariate { get; init; } = true;

    /// <summary>
    /// With <see cref="Multivariate"/>: Optuna 3.1's fixed bandwidth 0.2 · n^(-1/(d+4)) · range in
    /// every dimension instead of the univariate estimator's adaptive ones (see <see cref="MultivariateParzenEstimator"/>).
    /// </summary>
    public bool ScottBandwidth { get; init; }
}

/// <summary>
/// Tree-structured Parzen Estimator (Bergstra et al. 2011) as in Optuna 3.1: after
/// <see cref="TpeOptions.StartupTrials"/> random trials, the finished trials are split into good
/// (the best gamma fraction) and bad; a Parzen estimator l(x) is fitted to the good trials and g(x)
/// to the bad ones, jointly over all dimensions (<see cref="MultivariateParzenEstimator"/>, the
/// default) or per dimension; <see cref="TpeOptions.EiCandidates"/> candidates are drawn from l and
/// the one maximising log l(x) - log g(x) (expected improvement) is proposed.
/// Succeeded trials rank by objective; pruned trials rank after them, by the step they reached
/// (further is better) and then their last intermediate value; failed trials are ignored. Older
/// trials weigh less once there are more than 25 in a group (Optuna's ramp). Trials still running are
/// ignored (as Optuna does without constant_liar); parallel trials differ because each trial draws
/// from its own random stream.
/// </summary>
public sealed class TpeSampler(SearchSpace space, ObjectiveDirection direction, ulong seed, TpeOptions? options = null) : ISampler
{
    private readonly TpeOptions options = options ?? new TpeOptions();

    public string Name => "tpe";

    public long? Capacity => null;

    public TpeOptions Options => options;

    public double[] Propose(SamplerContext context)
    {
        var rng = SweepRandom.ForStream(seed, (ulong)context.TrialNumber);
        var observed = context.Finished
            .Where(t => t.State == TrialState.Pruned || (t.State == TrialState.Succeeded && t.Objective is { } v && !double.IsNaN(v)))
            .OrderBy(t => t.Number)
            .ToList();
        var point = new double[space.Count];
        if (observed.Count < options.StartupTrials || observed.Count == 0)
        {
            for (var d = 0; d < space.Count; d++)
            {
                point[d] = RandomSampler.Draw(space.Dimensions[d], rng);
            }

            return point;
        }

        var (good, bad) = Split(observed);
        var goodWeights = Weights(good.Length);
        var badWeights = Weights(bad.Length);
        if (options.Multivariate)
        {
            return ProposeJoint(observed, good, goodWeights, bad, badWeights, rng);
        }

        var goodX = new double[good.Length];
        var badX = new double[bad.Length];
        for (var d = 0; d < space.Count; d++)
        {
            var dimension = space.Dimensions[d];
            for (var i = 0; i < good.Length; i++)
            {
                goodX[i] = ParzenBounds.ToInternal(dimension, observed[good[i]].Point[d]);
            }

            for (var i = 0; i < bad.Length; i++)
            {
                badX[i] = ParzenBounds.ToInternal(dimension, observed[bad[i]].Point[d]);
            }

            point[d] = ProposeDimension(dimension, goodX, goodWeights, badX, badWeights, rng);
        }

        return point;
    }

    private double[] ProposeJoint(List<TrialObservation> observed, int[] good, double[] goodWeights, int[] bad, double[] badWeights, SweepRandom rng)
    {
        var below = new MultivariateParzenEstimator(space, Internal(observed, good), goodWeights, options.PriorWeight, options.MagicClip, options.BandwidthWeighted, options.ScottBandwidth);
        var above = new MultivariateParzenEstimator(space, Internal(observed, bad), badWeights, options.PriorWeight, options.MagicClip, options.BandwidthWeighted, options.ScottBandwidth);
        var raw = new double[space.Count];
        var candidate = new double[space.Count];
        var x = new double[space.Count];
        double[]? best = null;
        var bestEi = double.NegativeInfinity;
        for (var k = 0; k < options.EiCandidates; k++)
        {
            below.Sample(rng, raw);
            for (var d = 0; d < space.Count; d++)
            {
                // Discrete candidates are snapped to the grid first and scored there, as Optuna does.
                candidate[d] = space.Dimensions[d] switch
                {
                    IntDimension i => ParzenBounds.FromInternal(i, raw[d]),
                    FloatDimension f => ParzenBounds.FromInternal(f, raw[d]),
                    _ => raw[d],
                };
                x[d] = ParzenBounds.ToInternal(space.Dimensions[d], candidate[d]);
            }

            var ei = below.LogPdf(x) - above.LogPdf(x);
            if (best is null || ei > bestEi)
            {
                best ??= new double[space.Count];
                candidate.CopyTo(best, 0);
                bestEi = ei;
            }
        }

        return best!;
    }

    private double[] Internal(List<TrialObservation> observed, int[] rows)
    {
        var d = space.Count;
        var x = new double[rows.Length * d];
        for (var i = 0; i < rows.Length; i++)
        {
            var point = observed[rows[i]].Point;
            for (var j = 0; j < d; j++)
            {
                x[(i * d) + j] = ParzenBounds.ToInternal(space.Dimensions[j], point[j]);
            }
        }

        return x;
    }

    private double ProposeDimension(SearchDimension dimension, double[] goodX, double[] goodWeights, double[] badX, double[] badWeights, SweepRandom rng)
    {
        if (dimension is ChoiceDimension c)
        {
            var l = new CategoricalParzenEstimator(goodX, goodWeights, c.Choices.Length, options.PriorWeight);
            var g = new CategoricalParzenEstimator(badX, badWeights, c.Choices.Length, options.PriorWeight);
            var best = -1;
            var bestScore = double.NegativeInfinity;
            for (var k = 0; k < options.EiCandidates; k++)
            {
                var x = l.Sample(rng);
                var score = l.LogPdf(x) - g.LogPdf(x);
                if (best < 0 || score > bestScore)
                {
                    (best, bestScore) = (x, score);
                }
            }

            return best;
        }

        var bounds = dimension switch
        {
            FloatDimension f => ParzenBounds.Of(f),
            IntDimension i => ParzenBounds.Of(i),
            _ => throw new ArgumentOutOfRangeException(nameof(dimension), dimension, null),
        };
        var below = new NumericParzenEstimator(goodX, goodWeights, bounds, options.PriorWeight, options.MagicClip, options.BandwidthWeighted);
        var above = new NumericParzenEstimator(badX, badWeights, bounds, options.PriorWeight, options.MagicClip, options.BandwidthWeighted);
        var bestValue = double.NaN;
        var bestEi = double.NegativeInfinity;
        for (var k = 0; k < options.EiCandidates; k++)
        {
            var raw = below.Sample(rng);

            // Discrete candidates are snapped to the grid first and scored there, as Optuna does.
            var value = dimension is IntDimension id ? ParzenBounds.FromInternal(id, raw) : ParzenBounds.FromInternal((FloatDimension)dimension, raw);
            var x = ParzenBounds.ToInternal(dimension, value);
            var ei = below.LogPdf(x) - above.LogPdf(x);
            if (double.IsNaN(bestValue) || ei > bestEi)
            {
                (bestValue, bestEi) = (value, ei);
            }
        }

        return bestValue;
    }

    /// <summary>Indices (into the number-ordered observations) of the good and the bad trials, each ascending.</summary>
    private (int[] Good, int[] Bad) Split(List<TrialObservation> observed)
    {
        var sign = direction == ObjectiveDirection.Minimize ? 1.0 : -1.0;
        var keys = new (double Rank, double Loss, int Index)[observed.Count];
        for (var i = 0; i < observed.Count; i++)
        {
            var t = observed[i];
            keys[i] = t.State == TrialState.Succeeded
                ? (double.NegativeInfinity, sign * t.Objective!.Value, i)
                : t.LastIntermediate is { } last
                    ? (-last.Step, double.IsNaN(last.Value) ? double.PositiveInfinity : sign * last.Value, i)
                    : (1, 0, i);
        }

        // Index as the last key makes the sort stable, like numpy's kind="stable".
        Array.Sort(keys, (a, b) => a.Rank != b.Rank ? a.Rank.CompareTo(b.Rank) : a.Loss != b.Loss ? a.Loss.CompareTo(b.Loss) : a.Index.CompareTo(b.Index));
        var nGood = Math.Min((int)Math.Ceiling(options.Gamma * observed.Count), options.MaxGood);
        nGood = Math.Clamp(nGood, 0, observed.Count);
        var good = keys.Take(nGood).Select(k => k.Index).Order().ToArray();
        var bad = keys.Skip(nGood).Select(k => k.Index).Order().ToArray();
        return (good, bad);
    }

    /// <summary>Optuna's default_weights: ones up to 25 observations, then a linear ramp from 1/n for the oldest.</summary>
    internal static double[] Weights(int n)
    {
        var w = new double[n];
        if (n < 25)
        {
            Array.Fill(w, 1.0);
            return w;
        }

        var ramp = n - 25;
        for (var i = 0; i < ramp; i++)
        {
            w[i] = ramp == 1 ? 1.0 / n : 1.0 / n + (1.0 - 1.0 / n) * i / (ramp - 1);
        }

        for (var i = ramp; i < n; i++)
        {
            w[i] = 1.0;
        }

        return w;
    }
}
