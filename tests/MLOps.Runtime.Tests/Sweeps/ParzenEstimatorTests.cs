using MLOps.Runtime.Sweeps;
using MLOps.Runtime.Sweeps.Samplers;

namespace MLOps.Runtime.Tests.Sweeps;

/// <summary>Our Parzen estimators against values computed by Optuna 3.1's _ParzenEstimator.</summary>
public sealed class ParzenEstimatorTests
{
    [Fact]
    public void Continuous_log_density_matches_optuna()
    {
        // _ParzenEstimator({'x': [1, 2, 5, -4]}, {'x': FloatDistribution(-5, 10)}, defaults).log_pdf([0, 3, 7, 9.9])
        var pe = new NumericParzenEstimator([1.0, 2.0, 5.0, -4.0], [1, 1, 1, 1], ParzenBounds.Of(new FloatDimension("x", -5, 10, false)), 1.0, magicClip: true);
        double[] expected = [-0.76088782, -0.73373639, -1.11667437, -1.51788557];
        double[] at = [0, 3, 7, 9.9];
        for (var i = 0; i < at.Length; i++)
        {
            Assert.Equal(expected[i], pe.LogPdf(at[i]), 1e-7);
        }
    }

    [Fact]
    public void The_normalised_density_integrates_to_one()
    {
        var pe = new NumericParzenEstimator([1.0, 2.0, 5.0, -4.0], [1, 1, 1, 1], ParzenBounds.Of(new FloatDimension("x", -5, 10, false)), 1.0, magicClip: true, bandwidthWeighted: false);
        var integral = 0.0;
        const int steps = 15_000;
        for (var i = 0; i < steps; i++)
        {
            integral += Math.Exp(pe.LogPdf(-5 + 15.0 * (i + 0.5) / steps)) * 15.0 / steps;
        }

        Assert.Equal(1.0, integral, 1e-4);
    }

    [Fact]
    public void Discrete_log_mass_matches_optuna()
    {
        // IntDistribution(0, 10), observations [1, 2, 5], log_pdf([0, 3, 7, 10])
        var pe = new NumericParzenEstimator([1.0, 2.0, 5.0], [1, 1, 1], ParzenBounds.Of(new IntDimension("x", 0, 10, 1, false, true)), 1.0, magicClip: true);
        double[] expected = [-2.13992563, -2.0332212, -2.75224181, -3.45626342];
        double[] at = [0, 3, 7, 10];
        for (var i = 0; i < at.Length; i++)
        {
            Assert.Equal(expected[i], pe.LogPdf(at[i]), 1e-7);
        }
    }

    // Observations of a mixed space: a float, a log float, an int and a choice (an index).
    private static readonly SearchSpace Mixed = new([
        new FloatDimension("x", -5, 10, false),
        new FloatDimension("lr", 1e-4, 1e-1, true),
        new IntDimension("n", 0, 10, 1, false, true),
        new ChoiceDimension("c", [MLOps.Plan.PlanValue.Of("a"), MLOps.Plan.PlanValue.Of("b"), MLOps.Plan.PlanValue.Of("c")]),
    ]);

    private static double[] MixedObservations() =>
    [
        1.0, Math.Log(1e-3), 1, 0,
        2.0, Math.Log(3e-2), 2, 2,
        5.0, Math.Log(2e-4), 5, 2,
        -4.0, Math.Log(5e-2), 9, 1,
    ];

    [Fact]
    public void Multivariate_log_density_with_optunas_bandwidth_matches_optuna()
    {
        // _ParzenEstimator(obs, space, _ParzenEstimatorParameters(True, 1.0, True, False, default_weights, True)).log_pdf(at)
        // with Float(-5, 10), Float(1e-4, 1e-1, log), Int(0, 10), Categorical(a, b, c).
        var pe = new MultivariateParzenEstimator(Mixed, MixedObservations(), [1, 1, 1, 1], 1.0, magicClip: true, bandwidthWeighted: true, scottBandwidth: true);
        double[][] at = [[0, Math.Log(1e-3), 0, 0], [3, Math.Log(1e-2), 3, 1], [7, Math.Log(1e-4), 7, 2], [9.9, Math.Log(0.09), 10, 2]];
        double[] expected = [-4.47913404, -4.92381355, -4.80639891, -5.32576921];
        for (var i = 0; i < at.Length; i++)
        {
            Assert.Equal(expected[i], pe.LogPdf(at[i]), 1e-7);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_normalised_joint_density_sums_to_one_over_a_mixed_space(bool scottBandwidth)
    {
        // Integrate x and log lr, sum over the int's values and the choices.
        var pe = new MultivariateParzenEstimator(Mixed, MixedObservations(), [1, 1, 1, 1], 1.0, magicClip: true, bandwidthWeighted: false, scottBandwidth);
        var (lo, hi) = (Math.Log(1e-4), Math.Log(1e-1));
        const int steps = 300;
        var total = 0.0;
        for (var c = 0; c < 3; c++)
        {
            for (var n = 0; n <= 10; n++)
            {
                for (var i = 0; i < steps; i++)
                {
                    for (var j = 0; j < steps; j++)
                    {
                        double[] x = [-5 + (15.0 * (i + 0.5) / steps), lo + ((hi - lo) * (j + 0.5) / steps), n, c];
                        total += Math.Exp(pe.LogPdf(x)) * (15.0 / steps) * ((hi - lo) / steps);
                    }
                }
            }
        }

        Assert.Equal(1.0, total, 2e-3);
    }

    [Fact]
    public void Joint_draws_keep_an_observations_coordinates_together()
    {
        // Two tight clusters, at (0.1, 0.9) and (0.9, 0.1): a joint draw takes both coordinates from
        // one observation, so it lands in one of those two quadrants; independent marginals would
        // put half of the draws in the other two.
        var space = new SearchSpace([new FloatDimension("x", 0, 1, false), new FloatDimension("y", 0, 1, false), new ChoiceDimension("c", [MLOps.Plan.PlanValue.Of(1L), MLOps.Plan.PlanValue.Of(2L)])]);
        var observations = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var e = 0.01 * (i - 2);
            observations.AddRange([0.1 + e, 0.9 - e, 0, 0.9 + e, 0.1 - e, 1]);
        }

        var pe = new MultivariateParzenEstimator(space, [.. observations], Enumerable.Repeat(1.0, 10).ToArray(), 1.0, magicClip: true, bandwidthWeighted: true, scottBandwidth: false);
        var rng = SweepRandom.FromSeed(5);
        var x = new double[3];
        var together = 0;
        for (var k = 0; k < 1000; k++)
        {
            pe.Sample(rng, x);
            Assert.InRange(x[0], 0, 1);
            Assert.InRange(x[1], 0, 1);
            Assert.True(x[2] is 0 or 1);
            together += (x[0] < 0.5) != (x[1] < 0.5) ? 1 : 0;
        }

        Assert.True(together > 800, $"{together} of 1000 draws in the observations' quadrants");
    }
}
