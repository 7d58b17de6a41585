using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Shouldly;
using Xunit;

namespace GenPipe.Schedulers.Tests;

/// <summary>
/// Closed-form checks of the solver variants the diffusers references do not cover (Heun forms, singlestep order 3,
/// DEIS order 3). (The 3M midpoint form is third-order accurate but not exact for quadratics; the references cover it.) A k-th order exponential integrator is exact when the integrated prediction is a polynomial of
/// degree k - 1 (in lambda for DPM-Solver++, in ln rho for DEIS): each such step must land on the exact solution
/// x_t = (sigma_t / sigma_s) x_s + alpha_t * integral of e^(lambda - lambda_t) D(lambda) d lambda, computed here by quadrature.
/// </summary>
public sealed class SolverExactnessTests
{
    private const int Steps = 12;

    // A data prediction quadratic in lambda, the same for every element (prediction_type "sample" passes it through).
    private static double Quadratic(double lambda) => 0.3 - (0.2 * lambda) + (0.05 * lambda * lambda);

    private static double Linear(double lambda) => 0.3 - (0.2 * lambda);

    [Theory]
    [InlineData("heun", 2, true)]
    [InlineData("midpoint", 2, false)]
    public void Dpmpp_multistep_is_exact_for_polynomial_data_predictions(string solverType, int order, bool exact)
    {
        var scheduler = new DpmSolverMultistepScheduler(new DpmSolverMultistepSchedulerOptions
        {
            PredictionType = "sample", SolverType = solverType, SolverOrder = order, FinalSigmasType = "sigma_min",
            LowerOrderFinal = false, BetaSchedule = "scaled_linear", BetaStart = 0.00085, BetaEnd = 0.012,
        });
        Func<double, double> data = order == 2 ? Linear : Quadratic;
        double worst = WorstStepError(scheduler.SetTimesteps(Steps), data, start: i => i, firstChecked: order - 1);
        if (exact)
        {
            worst.ShouldBeLessThan(2e-5);
        }
        else
        {
            // The midpoint form is second order but not exact: the check must be able to tell.
            worst.ShouldBeGreaterThan(1e-3);
        }
    }

    [Theory]
    [InlineData("heun", 2)]
    [InlineData("heun", 3)]
    public void Dpmpp_singlestep_is_exact_for_polynomial_data_predictions(string solverType, int order)
    {
        var scheduler = new DpmSolverSinglestepScheduler(new DpmSolverSinglestepSchedulerOptions
        {
            PredictionType = "sample", SolverType = solverType, SolverOrder = order, FinalSigmasType = "sigma_min",
            LowerOrderFinal = false, BetaSchedule = "scaled_linear", BetaStart = 0.00085, BetaEnd = 0.012,
        });
        Func<double, double> data = order == 2 ? Linear : Quadratic;
        // Steps come in groups of `order`; the group's last step jumps from the group's first sample.
        double worst = WorstStepError(
            scheduler.SetTimesteps(Steps), data, start: i => i - (i % order), firstChecked: order - 1, checkEvery: order);
        worst.ShouldBeLessThan(2e-5);
    }

    [Fact]
    public void Deis_third_order_is_exact_for_noise_predictions_quadratic_in_log_rho()
    {
        var scheduler = new DeisMultistepScheduler(new DeisMultistepSchedulerOptions
        {
            SolverOrder = 3, BetaSchedule = "scaled_linear", BetaStart = 0.00085, BetaEnd = 0.012,
        });
        var session = scheduler.SetTimesteps(20);
        static double Eps(double logRho) => 0.4 + (0.1 * logRho) - (0.03 * logRho * logRho);
        var samples = new List<float[]> { Tensor.Full(2f, 1, 1, 2, 2).Span.ToArray() };
        var x = Tensor.Full(2f, 1, 1, 2, 2);
        double worst = 0;
        for (int i = 0; i < session.Timesteps.Count; i++)
        {
            float t = session.Timesteps[i];
            double rhoS = session.Sigmas![i];
            double rhoT = session.Sigmas[i + 1];
            var next = session.Step(Tensor.Full((float)Eps(Math.Log(rhoS)), 1, 1, 2, 2), t, x).PrevSample;
            if (i >= 2)
            {
                // x_t / alpha_t = x_s / alpha_s + integral of eps d rho (sigma here is rho = sigma_t / alpha_t).
                double integral = Simpson(r => Eps(Math.Log(r)), rhoS, rhoT);
                double exact = Alpha(rhoT) * ((x.Span[0] / Alpha(rhoS)) + integral);
                worst = Math.Max(worst, Math.Abs(next.Span[0] - exact) / Math.Max(1, Math.Abs(exact)));
            }

            x = next;
        }

        worst.ShouldBeLessThan(2e-5);
    }

    /// <summary>
    /// Runs the session with the data prediction <paramref name="data"/>(lambda) and returns the largest error of a
    /// checked step against the exact solution from the sample it started at (<paramref name="start"/>(i)).
    /// </summary>
    private static double WorstStepError(
        ISchedulerSession session, Func<double, double> data, Func<int, int> start, int firstChecked, int checkEvery = 1)
    {
        var sigmas = session.Sigmas!;
        var history = new List<float> { 1.5f };
        var x = Tensor.Full(1.5f, 1, 1, 2, 2);
        double worst = 0;
        for (int i = 0; i < session.Timesteps.Count; i++)
        {
            double lambda = Lambda(sigmas[i]);
            x = session.Step(Tensor.Full((float)data(lambda), 1, 1, 2, 2), session.Timesteps[i], x).PrevSample;
            history.Add(x.Span[0]);
            if (i >= firstChecked && (i + 1) % checkEvery == 0)
            {
                int s = start(i);
                double lambdaS = Lambda(sigmas[s]);
                double lambdaT = Lambda(sigmas[i + 1]);
                double sigmaRatio = SigmaT(sigmas[i + 1]) / SigmaT(sigmas[s]);
                double integral = Simpson(l => Math.Exp(l - lambdaT) * data(l), lambdaS, lambdaT);
                double exact = (sigmaRatio * history[s]) + (Alpha(sigmas[i + 1]) * integral);
                worst = Math.Max(worst, Math.Abs(x.Span[0] - exact) / Math.Max(1, Math.Abs(exact)));
            }
        }

        return worst;
    }

    private static double Alpha(double sigma) => 1 / Math.Sqrt((sigma * sigma) + 1);

    private static double SigmaT(double sigma) => sigma * Alpha(sigma);

    private static double Lambda(double sigma) => Math.Log(Alpha(sigma)) - Math.Log(SigmaT(sigma));

    private static double Simpson(Func<double, double> f, double a, double b, int intervals = 2000)
    {
        double h = (b - a) / intervals;
        double sum = f(a) + f(b);
        for (int k = 1; k < intervals; k++)
        {
            sum += f(a + (k * h)) * (k % 2 == 1 ? 4 : 2);
        }

        return sum * h / 3;
    }
}
