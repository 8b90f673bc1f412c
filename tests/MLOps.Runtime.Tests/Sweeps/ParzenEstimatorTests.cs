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
}
