namespace MLOps.Runtime.Sweeps.Samplers;

/// <summary>
/// A joint Parzen estimator over every dimension of a space, structured as Optuna 3.1's
/// <c>TPESampler(multivariate=True)</c>: one product kernel per observation plus a prior component,
/// so a draw keeps the observation's coordinates together and the density sees which values of
/// one dimension go with good values of another (univariate estimators multiply marginals and lose
/// that). Numeric dimensions (in sampling space, <see cref="ParzenBounds"/>) use a truncated Gaussian
/// per component. Bandwidths, by default, are the univariate estimator's adaptive ones computed
/// per dimension (larger gap to a sorted neighbour, magic clip): they shrink where observations
/// crowd, which Optuna's fixed Scott's-rule width 0.2 · n^(-1/(d+4)) · range (available as
/// <c>scottBandwidth</c>) does only as n^(-1/(d+4)); measured much better on Branin and Hartmann6
/// (docs/sweeps.md). The prior's sigma is the range. Categorical dimensions use Optuna's rows (1 on
/// the observed choice plus prior_weight / (n + 1) everywhere, normalised; uniform for the prior).
/// </summary>
internal sealed class MultivariateParzenEstimator
{
    private readonly int components;
    private readonly double[] weights;
    private readonly Dim[] dims;

    // Per-component sums of one LogPdf call; an estimator lives for one proposal on one thread.
    private readonly double[] scratch;

    /// <param name="observations">Row-major: observation i's coordinate in dimension d at [i * dims + d], in sampling space (choices as indices).</param>
    /// <param name="bandwidthWeighted">Leave out each numeric component's 1/sigma as Optuna 3.1 does (see <see cref="NumericParzenEstimator"/>).</param>
    /// <param name="scottBandwidth">Optuna 3.1's multivariate bandwidth instead of the adaptive one.</param>
    public MultivariateParzenEstimator(SearchSpace space, ReadOnlySpan<double> observations, ReadOnlySpan<double> observationWeights, double priorWeight, bool magicClip, bool bandwidthWeighted, bool scottBandwidth)
    {
        var n = observationWeights.Length;
        var d = space.Count;
        components = n + 1;
        weights = new double[components];
        observationWeights.CopyTo(weights);
        weights[n] = priorWeight;
        NumericParzenEstimator.Normalize(weights);
        scratch = new double[components];
        var sigma0 = 0.2 * Math.Pow(Math.Max(n, 1), -1.0 / (d + 4));
        dims = new Dim[d];
        for (var j = 0; j < d; j++)
        {
            var dimension = space.Dimensions[j];
            var column = new double[n];
            for (var i = 0; i < n; i++)
            {
                column[i] = observations[(i * d) + j];
            }

            dims[j] = dimension switch
            {
                ChoiceDimension c => Dim.Categorical(column, c.Choices.Length, priorWeight),
                FloatDimension f => Dim.Numeric(column, ParzenBounds.Of(f), sigma0, magicClip, bandwidthWeighted, scottBandwidth),
                IntDimension i => Dim.Numeric(column, ParzenBounds.Of(i), sigma0, magicClip, bandwidthWeighted, scottBandwidth),
                _ => throw new ArgumentOutOfRangeException(nameof(space), dimension, null),
            };
        }
    }

    /// <summary>A joint draw in sampling space: one component by weight, then every coordinate from it.</summary>
    public void Sample(SweepRandom rng, Span<double> x)
    {
        var k = rng.NextWeighted(weights, 1.0);
        for (var j = 0; j < dims.Length; j++)
        {
            x[j] = dims[j].Sample(k, rng);
        }
    }

    /// <summary>Log density (log mass in discrete dimensions) at a point in sampling space.</summary>
    public double LogPdf(ReadOnlySpan<double> x)
    {
        var terms = scratch;
        for (var k = 0; k < components; k++)
        {
            terms[k] = Math.Log(weights[k]);
        }

        for (var j = 0; j < dims.Length; j++)
        {
            dims[j].AddLogPdf(x[j], terms);
        }

        var max = double.NegativeInfinity;
        foreach (var t in terms)
        {
            max = Math.Max(max, t);
        }

        if (double.IsNegativeInfinity(max))
        {
            return max;
        }

        var sum = 0.0;
        foreach (var t in terms)
        {
            sum += Math.Exp(t - max);
        }

        return max + Math.Log(sum);
    }

    /// <summary>One dimension's kernels, one per component (the prior last).</summary>
    private sealed class Dim
    {
        private double low;
        private double high;
        private double? step;
        private double[] mus = [];
        private double[] sigmas = [];

        // Numeric: log of each component's density constant (-log Z, minus log sigma unless bandwidth-weighted, minus log sqrt(2 pi)).
        private double[] logConstants = [];

        // Numeric: -log Z of each component (discrete mass).
        private double[] logMassConstants = [];

        // Categorical: the observed choice of each component (-1 for the prior); a row's probability
        // is hit on that choice and other elsewhere (the prior's row is uniform).
        private int[] choice = [];
        private int choiceCount;
        private double other;
        private double hit;
        private double logOther;
        private double logHit;
        private double logUniform;

        public static Dim Numeric(double[] observed, ParzenBounds bounds, double sigma0, bool magicClip, bool bandwidthWeighted, bool scottBandwidth)
        {
            var n = observed.Length;
            var count = n + 1;
            var range = bounds.High - bounds.Low;
            var minSigma = magicClip ? range / Math.Min(100.0, 1.0 + count) : 1e-12;

            var dim = new Dim
            {
                low = bounds.Low,
                high = bounds.High,
                step = bounds.Step,
                mus = new double[count],
                sigmas = new double[count],
                logConstants = new double[count],
                logMassConstants = new double[count],
            };
            observed.CopyTo(dim.mus, 0);
            dim.mus[n] = 0.5 * (bounds.Low + bounds.High);
            if (scottBandwidth)
            {
                Array.Fill(dim.sigmas, Math.Clamp(sigma0 * range, minSigma, range));
                dim.sigmas[n] = range;
            }
            else
            {
                NumericParzenEstimator.NeighbourSigmas(dim.mus, bounds.Low, bounds.High, minSigma, dim.sigmas);
            }
            for (var i = 0; i < count; i++)
            {
                var logZ = NormalMath.LogMass((dim.low - dim.mus[i]) / dim.sigmas[i], (dim.high - dim.mus[i]) / dim.sigmas[i]);
                dim.logMassConstants[i] = -logZ;
                dim.logConstants[i] = -logZ - (bandwidthWeighted ? 0 : Math.Log(dim.sigmas[i])) - NormalMath.LogSqrt2Pi;
            }

            return dim;
        }

        public static Dim Categorical(double[] observed, int choices, double priorWeight)
        {
            var n = observed.Length;
            var smoothing = priorWeight / (n + 1);
            var rowTotal = (smoothing * choices) + 1;
            var dim = new Dim
            {
                choice = new int[n + 1],
                choiceCount = choices,
                other = smoothing / rowTotal,
                hit = (smoothing + 1) / rowTotal,
                logOther = Math.Log(smoothing / rowTotal),
                logHit = Math.Log((smoothing + 1) / rowTotal),
                logUniform = -Math.Log(choices),
            };
            for (var i = 0; i < n; i++)
            {
                dim.choice[i] = (int)observed[i];
            }

            dim.choice[n] = -1;
            return dim;
        }

        public double Sample(int k, SweepRandom rng)
        {
            if (choiceCount > 0)
            {
                var c = choice[k];
                if (c < 0)
                {
                    return rng.NextInt(choiceCount);
                }

                var u = rng.NextDouble();
                for (var i = 0; i < choiceCount; i++)
                {
                    u -= i == c ? hit : other;
                    if (u < 0)
                    {
                        return i;
                    }
                }

                return choiceCount - 1;
            }

            var z = NormalMath.SampleTruncated((low - mus[k]) / sigmas[k], (high - mus[k]) / sigmas[k], rng.NextDouble());
            return Math.Clamp(mus[k] + (sigmas[k] * z), low, high);
        }

        public void AddLogPdf(double x, double[] terms)
        {
            if (choiceCount > 0)
            {
                var c = (int)x;
                for (var k = 0; k < terms.Length; k++)
                {
                    terms[k] += choice[k] < 0 ? logUniform : choice[k] == c ? logHit : logOther;
                }

                return;
            }

            if (step is { } q)
            {
                var lo = Math.Max(x - (0.5 * q), low);
                var hi = Math.Min(x + (0.5 * q), high);
                for (var k = 0; k < terms.Length; k++)
                {
                    terms[k] += logMassConstants[k] + NormalMath.LogMass((lo - mus[k]) / sigmas[k], (hi - mus[k]) / sigmas[k]);
                }

                return;
            }

            for (var k = 0; k < terms.Length; k++)
            {
                var z = (x - mus[k]) / sigmas[k];
                terms[k] += logConstants[k] - (0.5 * z * z);
            }
        }
    }
}
