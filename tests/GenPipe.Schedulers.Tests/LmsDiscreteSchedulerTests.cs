using GenPipe.Abstractions.Models;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Schedulers.Tests;

[CoversScheduler("LMSDiscreteScheduler", "lms")]
public sealed class LmsDiscreteSchedulerTests(ITestOutputHelper output) : SchedulerSpecificationTests<LmsDiscreteSchedulerOptions>(output)
{
    protected override IScheduler Create(LmsDiscreteSchedulerOptions options) => new LmsDiscreteScheduler(options);

    [Fact]
    public void Coefficients_are_the_integrals_of_the_lagrange_basis()
    {
        // The step from sigma_3 = 0.5 to sigma_4 = 0.2 over the nodes 0.5, 1, 2, 3 (newest first).
        float[] sigmas = [3f, 2f, 1f, 0.5f, 0.2f];
        int step = 3;
        double total = 0;
        for (int node = 0; node < 4; node++)
        {
            total += LmsDiscreteScheduler.Coefficient(sigmas, 4, step, node);
        }

        // The basis sums to 1, so the weights sum to the step length (between the float32 sigmas).
        total.ShouldBe((double)0.2f - 0.5, 1e-14);

        // Node 0 (sigma = 0.5) of the nodes 0.5, 1, 2, 3: l(s) = (s - 1)(s - 2)(s - 3) / ((0.5 - 1)(0.5 - 2)(0.5 - 3)),
        // integrated from 0.5 to 0.2 in closed form.
        static double Antiderivative(double s) => ((s * s * s * s / 4) - (2 * s * s * s) + (11 * s * s / 2) - (6 * s)) / (-0.5 * -1.5 * -2.5);
        LmsDiscreteScheduler.Coefficient(sigmas, 4, step, 0).ShouldBe(Antiderivative(0.2f) - Antiderivative(0.5), 1e-14);
    }

    [Fact]
    public void The_adaptive_quadrature_converges_on_smooth_non_polynomial_integrands()
    {
        AdaptiveSimpson.Integrate(Math.Sin, 0, Math.PI).ShouldBe(2, 1e-10);
        AdaptiveSimpson.Integrate(x => 1 / x, 1, Math.E).ShouldBe(1, 1e-10);
        AdaptiveSimpson.Integrate(Math.Exp, 1, 0).ShouldBe(1 - Math.E, 1e-10);
    }
}
