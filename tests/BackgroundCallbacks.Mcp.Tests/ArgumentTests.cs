using BackgroundCallbacks.Mcp.Tests.Infrastructure;

namespace BackgroundCallbacks.Mcp.Tests;

[Collection(SampleCollection.Name)]
public sealed class ArgumentTests(SampleFixture sample)
{
    [Fact]
    public async Task A_value_outside_the_enum_is_refused_naming_the_argument()
    {
        var client = await sample.NewClientAsync();
        var arguments = Reports.Arguments(Reports.NewTitle("Bad format"), format: "Weekly");

        var result = await client.CallToolAsync("report", arguments);

        Assert.True(result.IsError);
        Assert.Contains("'format'", Reports.Text(result));
    }

    [Fact]
    public async Task A_missing_required_argument_is_refused_naming_it()
    {
        var client = await sample.NewClientAsync();
        var arguments = Reports.Arguments(Reports.NewTitle("No title"));
        arguments.Remove("title");

        var result = await client.CallToolAsync("report", arguments);

        Assert.True(result.IsError);
        Assert.Equal("Argument 'title' is required.", Reports.Text(result));
    }

    [Fact]
    public async Task A_nested_value_of_the_wrong_type_is_refused_naming_the_argument()
    {
        var client = await sample.NewClientAsync();
        var arguments = Reports.Arguments(Reports.NewTitle("Bad period"));
        arguments["period"] = new Dictionary<string, object?> { ["from"] = "yesterday", ["to"] = "2026-01-31" };

        var result = await client.CallToolAsync("report", arguments);

        Assert.True(result.IsError);
        Assert.Contains("'period'", Reports.Text(result));
    }

    [Fact]
    public async Task An_unknown_argument_is_refused_naming_it_and_the_known_ones()
    {
        var client = await sample.NewClientAsync();

        var result = await client.CallToolAsync("search", new Dictionary<string, object?> { ["query"] = "x" });

        Assert.True(result.IsError);
        Assert.Equal("Unknown argument 'query': this tool takes 'text'.", Reports.Text(result));
    }

    [Fact]
    public async Task A_trigger_is_not_an_argument()
    {
        var client = await sample.NewClientAsync();

        var result = await client.CallToolAsync("basic", new Dictionary<string, object?> { ["clicks"] = 5 });

        Assert.True(result.IsError);
        Assert.Equal("Unknown argument 'clicks': this tool takes no arguments.", Reports.Text(result));
    }
}
