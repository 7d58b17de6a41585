using GenPipe.Abstractions.Models;
using GenPipe.Tensors;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace GenPipe.Schedulers.Tests;

[CoversScheduler("DPMSolverMultistepScheduler", "dpmpp_2m", "dpmpp_2m_karras", "dpmpp_2m_sde", "dpmpp_3m")]
public sealed class DpmSolverMultistepSchedulerTests(ITestOutputHelper output)
    : SchedulerSpecificationTests<DpmSolverMultistepSchedulerOptions>(output)
{
    protected override IScheduler Create(DpmSolverMultistepSchedulerOptions options) => new DpmSolverMultistepScheduler(options);
}
