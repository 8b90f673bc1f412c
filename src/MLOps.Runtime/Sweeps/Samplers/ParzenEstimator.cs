namespace MLOps.Runtime.Sweeps.Samplers;

/// <summary>
/// A one-dimensional Parzen estimator over a numeric dimension, in sampling space (see
/// <see cref="ParzenBounds"/>): one truncated Gaussian per observation plus a prior component
/// centred on the range. Bandwidths follow Optuna 3.1's univariate TPE exactly: the larger gap to
/// a neighbour in sorted order (ends use their inner gap, "consider_endpoints = false"), clipped to
/// [range / min(100, 1 + components), range] ("magic clip"); the prior's sigma is the whole range.
/// </summary>
internal sealed class NumericParzenEstimator
{
    private readonly double low;
    private readonly double high;
    private readonly double? step;
    private readonly double[] mus;
    private readonly double[] sigmas;
    private readonly double[] weights;

    // log w_i - log sigma_i - log Z_i - log sqrt(2 pi): the per-component constant of the log density.
    private readonly double[] logConstants;

    // log w_i - log Z_i: the constant of a discrete component's log mass.
    private readonly double[] logMassConstants;

    // Per-component terms of one LogPdf call; an estimator lives for one proposal on one thread.
    private readonly double[] scratch;

    /// <param name="bandwidthWeighted">
    /// Leave out the 1/sigma of each component's density, as Optuna 3.1 does (its truncnorm.logpdf
    /// omits -log(scale)): each Gaussian then counts in proportion to its bandwidth, which favours
    /// isolated observations and the prior. Measured better on Branin and Hartmann6 (docs/sweeps.md),
    /// so it is the default; false gives the textbook mixture density.
    /// </param>
    public NumericParzenEstimator(ReadOnlySpan<double> observations, ReadOnlySpan<double> observationWeights, ParzenBounds bounds, double priorWeight, bool magicClip, bool bandwidthWeighted = true)
    {
        low = bounds.Low;
        high = bounds.High;
        step = bounds.Step;
        var n = observations.Length;
        var count = n + 1;
        mus = new double[count];
        sigmas = new double[count];
        weights = new double[count];
        observations.CopyTo(mus);
        mus[n] = 0.5 * (low + high);
        observationWeights.CopyTo(weights);
        weights[n] = priorWeight;
        Normalize(weights);

        var range = high - low;
        var minSigma = magicClip ? range / Math.Min(100.0, 1.0 + count) : 1e-12;
        NeighbourSigmas(mus, low, high, minSigma, sigmas);
        scratch = new double[count];
        logConstants = new double[count];
        logMassConstants = new double[count];
        for (var i = 0; i < count; i++)
        {
            var logZ = NormalMath.LogMass((low - mus[i]) / sigmas[i], (high - mus[i]) / sigmas[i]);
            logMassConstants[i] = Math.Log(weights[i]) - logZ;
            logConstants[i] = logMassConstants[i] - (bandwidthWeighted ? 0 : Math.Log(sigmas[i])) - NormalMath.LogSqrt2Pi;
        }
    }

    public int Components => mus.Length;

    /// <summary>A draw in sampling space: a component by weight, then its truncated Gaussian.</summary>
    public double Sample(SweepRandom rng)
    {
        var k = rng.NextWeighted(weights, 1.0);
        var z = NormalMath.SampleTruncated((low - mus[k]) / sigmas[k], (high - mus[k]) / sigmas[k], rng.NextDouble());
        return Math.Clamp(mus[k] + sigmas[k] * z, low, high);
    }

    /// <summary>
    /// Log density at <paramref name="x"/> (sampling space); for a discrete dimension the log
    /// probability of the grid cell [x - step/2, x + step/2] as Optuna computes it.
    /// </summary>
    public double LogPdf(double x)
    {
        var max = double.NegativeInfinity;
        var count = mus.Length;
        var terms = scratch;
        for (var i = 0; i < count; i++)
        {
            double t;
            if (step is { } q)
            {
                var a = (Math.Max(x - 0.5 * q, low) - mus[i]) / sigmas[i];
                var b = (Math.Min(x + 0.5 * q, high) - mus[i]) / sigmas[i];
                t = logMassConstants[i] + NormalMath.LogMass(a, b);
            }
            else
            {
                var z = (x - mus[i]) / sigmas[i];
                t = logConstants[i] - 0.5 * z * z;
            }

            terms[i] = t;
            if (t > max)
            {
                max = t;
            }
        }

        if (double.IsNegativeInfinity(max))
        {
            return max;
        }

        var sum = 0.0;
        for (var i = 0; i < count; i++)
        {
            sum += Math.Exp(terms[i] - max);
        }

        return max + Math.Log(sum);
    }

    /// <summary>
    /// Optuna's univariate bandwidths for centres <paramref name="mus"/> (the prior last): the larger
    /// gap to a sorted neighbour, the ends using their inner gap, clipped to [minSigma, range]; the
    /// prior gets the range.
    /// </summary>
    internal static void NeighbourSigmas(double[] mus, double low, double high, double minSigma, double[] sigmas)
    {
        var count = mus.Length;
        var order = new int[count];
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
        }

        // Stable sort by position: equal observations keep their order, so ties are deterministic.
        var keys = (double[])mus.Clone();
        Array.Sort(keys, order);
        StableTies(keys, order);
        var sorted = new double[count + 2];
        sorted[0] = low;
        for (var i = 0; i < count; i++)
        {
            sorted[i + 1] = mus[order[i]];
        }

        sorted[count + 1] = high;
        var sortedSigmas = new double[count];
        for (var i = 0; i < count; i++)
        {
            sortedSigmas[i] = Math.Max(sorted[i + 1] - sorted[i], sorted[i + 2] - sorted[i + 1]);
        }

        if (sorted.Length >= 4)
        {
            sortedSigmas[0] = sorted[2] - sorted[1];
            sortedSigmas[count - 1] = sorted[count] - sorted[count - 1];
        }

        var range = high - low;
        for (var i = 0; i < count; i++)
        {
            sigmas[order[i]] = Math.Clamp(sortedSigmas[i], minSigma, range);
        }

        sigmas[count - 1] = range;
    }

    internal static void Normalize(double[] values)
    {
        var total = 0.0;
        foreach (var v in values)
        {
            total += v;
        }

        for (var i = 0; i < values.Length; i++)
        {
            values[i] /= total;
        }
    }

    // Array.Sort is not stable; restore index order within runs of equal keys.
    private static void StableTies(double[] keys, int[] order)
    {
        var start = 0;
        for (var i = 1; i <= keys.Length; i++)
        {
            if (i == keys.Length || keys[i] != keys[start])
            {
                if (i - start > 1)
                {
                    Array.Sort(order, start, i - start);
                }

                start = i;
            }
        }
    }
}

/// <summary>
/// A categorical Parzen estimator: each observation puts weight 1 on its choice plus
/// prior_weight / (n + 1) on every choice (rows normalised); the prior row is uniform. Optuna 3.1's
/// formula; because the dimensions are independent, the mixture collapses to one probability per choice.
/// </summary>
internal sealed class CategoricalParzenEstimator
{
    private readonly double[] probabilities;

    public CategoricalParzenEstimator(ReadOnlySpan<double> observations, ReadOnlySpan<double> observationWeights, int choices, double priorWeight)
    {
        var n = observations.Length;
        var weights = new double[n + 1];
        observationWeights.CopyTo(weights);
        weights[n] = priorWeight;
        NumericParzenEstimator.Normalize(weights);
        var smoothing = priorWeight / (n + 1);
        var rowTotal = smoothing * choices + 1;
        probabilities = new double[choices];
        for (var c = 0; c < choices; c++)
        {
            probabilities[c] = weights[n] / choices;
        }

        for (var i = 0; i < n; i++)
        {
            var w = weights[i] / rowTotal;
            for (var c = 0; c < choices; c++)
            {
                probabilities[c] += w * smoothing;
            }

            probabilities[(int)observations[i]] += w;
        }
    }

    public int Sample(SweepRandom rng) => rng.NextWeighted(probabilities, probabilities.Sum());

    public double LogPdf(int choice) => Math.Log(probabilities[choice]);
}
