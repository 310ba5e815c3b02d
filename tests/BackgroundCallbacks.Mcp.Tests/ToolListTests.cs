using System.Text.Json;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Mcp.Tests.Infrastructure;

namespace BackgroundCallbacks.Mcp.Tests;

[Collection(SampleCollection.Name)]
public sealed class ToolListTests(SampleFixture sample)
{
    [Fact]
    public async Task The_sample_exposes_its_marked_callbacks_named_by_their_ids_and_the_handle_tools()
    {
        var client = await sample.NewClientAsync();

        var names = (await client.ListToolsAsync()).Select(t => t.Name).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(
            ["basic", "cache", "cancel", "failing", "greeting", "ignore-by-name", "job_cancel", "job_result", "pages-view", "progress", "queue-job", "report", "row", "rows-total", "search", "server-side-data"],
            names);
    }

    [Fact]
    public async Task A_schema_has_required_arguments_an_enum_and_a_nested_record_but_no_trigger_progress_or_token()
    {
        var report = await ToolAsync("report");

        AssertJson("""
            {"type":"object","properties":{
              "title":{"type":"string"},
              "format":{"enum":["Summary","Detailed"]},
              "period":{"type":"object","properties":{"from":{"type":"string","format":"date"},"to":{"type":"string","format":"date"}},"required":["from","to"]}},
             "required":["title","format","period"]}
            """, report.ProtocolTool.InputSchema);
        AssertJson("""{"type":"object","properties":{"report-result.children":{"type":"string"}}}""", report.ProtocolTool.OutputSchema!.Value);
        Assert.Equal("Builds a sales report with a title, a format and a period; reports its progress step by step.", report.Description);
    }

    [Fact]
    public async Task A_callback_whose_only_input_is_a_click_takes_no_arguments()
    {
        var basic = await ToolAsync("basic");

        AssertJson("""{"type":"object","properties":{}}""", basic.ProtocolTool.InputSchema);
    }

    [Fact]
    public async Task A_MATCH_wildcard_is_an_argument_named_after_its_key_and_state_is_optional_when_nullable()
    {
        var row = await ToolAsync("row");

        AssertJson("""
            {"type":"object","properties":{
              "index":{"type":["string","number"],"description":"The 'index' of the component this call is for."},
              "size":{"type":["integer","null"]}},
             "required":["index"]}
            """, row.ProtocolTool.InputSchema);
    }

    [Fact]
    public async Task An_ALL_input_is_an_array_of_id_and_value()
    {
        var total = await ToolAsync("rows-total");

        AssertJson("""
            {"type":"object","properties":{"sizes":{"type":"array","items":{"type":"object","properties":{
              "id":{"type":"object","properties":{"index":{"type":["string","number"]}},"required":["index"]},
              "value":{"type":["integer","null"]}},"required":["id","value"]}}}}
            """, total.ProtocolTool.InputSchema);
    }

    [Fact]
    public async Task A_location_input_is_an_optional_argument_named_by_the_callback_and_a_trigger_is_none()
    {
        var view = await ToolAsync("pages-view");

        AssertJson("""{"type":"object","properties":{"view":{"type":["string","null"]}}}""", view.ProtocolTool.InputSchema);
    }

    private async Task<ModelContextProtocol.Client.McpClientTool> ToolAsync(string name)
    {
        var client = await sample.NewClientAsync();
        return Assert.Single(await client.ListToolsAsync(), t => t.Name == name);
    }

    private static void AssertJson(string expected, JsonElement actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual.GetRawText())),
            $"Expected {JsonNode.Parse(expected)!.ToJsonString()}{Environment.NewLine}but got  {actual.GetRawText()}");
}
