using CsCheck;
using MLOps.Runtime.Sweeps.Samplers;

namespace MLOps.Runtime.Tests.Sweeps;

public sealed class NormalMathTests
{
    [Theory]
    [InlineData(0.1, 0.8875370839817150)]
    [InlineData(0.5, 0.4795001221869535)]
    [InlineData(1.0, 0.1572992070502851)]
    [InlineData(3.0, 2.209049699858544e-05)]
    [InlineData(5.0, 1.5374597944280349e-12)]
    [InlineData(10.0, 2.088487583762545e-45)]
    [InlineData(-2.0, 1.9953222650189528)]
    public void Erfc_matches_reference_values(double x, double expected) =>
        Assert.Equal(expected, NormalMath.Erfc(x), expected * 1e-12);

    [Theory]
    [InlineData(0.975, 1.959963984540054)]
    [InlineData(0.5, 0.0)]
    [InlineData(1e-10, -6.361340902404056)]
    [InlineData(0.01, -2.3263478740408408)]
    public void Quantile_matches_reference_values(double p, double expected) =>
        Assert.Equal(expected, NormalMath.Quantile(p), 1e-9);

    [Fact]
    public void Truncated_samples_stay_in_their_interval_even_in_the_tails()
    {
        Gen.Select(Gen.Double[-40, 40], Gen.Double[0.001, 20], Gen.Double[0, 1]).Sample((a, width, u) =>
        {
            var x = NormalMath.SampleTruncated(a, a + width, u);
            Assert.InRange(x, a, a + width);
        }, iter: 2000, threads: 1);
    }

    [Fact]
    public void Log_mass_is_finite_far_in_the_tails()
    {
        Assert.Equal(Math.Log(0.95), NormalMath.LogMass(-1.959963984540054, 1.959963984540054), 1e-9);
        Assert.True(double.IsFinite(NormalMath.LogMass(50, 51)));
        Assert.True(NormalMath.LogMass(50, 51) < -1000);
    }
}
