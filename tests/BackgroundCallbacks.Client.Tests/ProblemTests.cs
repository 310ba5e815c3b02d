using System.Net;
using BackgroundCallbacks.Client.Tests.Infrastructure;

namespace BackgroundCallbacks.Client.Tests;

/// <summary>4xx answers come as a <see cref="CallbackProblemException"/> carrying the problem document.</summary>
[Collection(SampleCollection.Name)]
public sealed class ProblemTests(SampleFixture sample)
{
    [Fact]
    public async Task A_value_of_the_wrong_type_is_a_400_problem()
    {
        var client = sample.NewClient();

        var problem = await Assert.ThrowsAsync<CallbackProblemException>(() => client.InvokeAsync("basic", ["seven"]));

        Assert.Equal(HttpStatusCode.BadRequest, problem.StatusCode);
        Assert.Equal(400, problem.Problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.Title));
        Assert.Contains("clicks", problem.Detail);
        Assert.Null(problem.RetryAfter);
    }

    [Fact]
    public async Task An_unknown_callback_is_a_404_problem()
    {
        var client = sample.NewClient();

        var problem = await Assert.ThrowsAsync<CallbackProblemException>(() =>
            client.InvokeAsync("no-such-callback", new CallbackRequest { Inputs = [new CallbackValue("x", "n_clicks", 1)] }));

        Assert.Equal(HttpStatusCode.NotFound, problem.StatusCode);
        Assert.Equal(404, problem.Problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task An_unknown_handle_is_a_404_problem()
    {
        var client = sample.NewClient();

        var problem = await Assert.ThrowsAsync<CallbackProblemException>(() => client.GetJobAsync("AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.default"));

        Assert.Equal(HttpStatusCode.NotFound, problem.StatusCode);
    }
}
