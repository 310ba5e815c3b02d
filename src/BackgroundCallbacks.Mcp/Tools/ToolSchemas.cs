using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using BackgroundCallbacks.Execution;

namespace BackgroundCallbacks.Mcp.Tools;

/// <summary>
/// JSON Schemas of tool arguments and results, from the handler's own types and the app's serializer options, so a
/// schema says what the binder will accept: property names as the serializer writes them, enums as it reads them.
/// </summary>
internal sealed class ToolSchemas
{
    private static readonly JsonSchemaExporterOptions ExporterOptions = new()
    {
        // Nullability of a nested property comes from its annotation; a top-level argument's from its parameter.
        TreatNullObliviousAsNonNullable = true,
        TransformSchemaNode = ListEnumValues,
    };

    private readonly JsonSerializerOptions _json;

    public ToolSchemas(JsonSerializerOptions json)
    {
        // Numbers strictly, as the binder reads arguments: a number sent as a string is refused.
        _json = new JsonSerializerOptions(json) { TypeInfoResolver = json.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver(), NumberHandling = JsonNumberHandling.Strict };
        _json.MakeReadOnly();
    }

    public JsonElement Input(IReadOnlyList<ToolParameter> parameters, IReadOnlyList<string> matchKeys)
    {
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var key in matchKeys)
        {
            properties[key] = new JsonObject
            {
                ["type"] = new JsonArray("string", "number"),
                ["description"] = $"The '{key}' of the component this call is for.",
            };
            required.Add(key);
        }

        foreach (var parameter in parameters)
        {
            if (parameter.Kind == ToolParameterKind.Trigger)
            {
                continue;
            }

            properties[parameter.Name] = parameter.Kind == ToolParameterKind.All
                ? AllSchema(parameter)
                : ValueSchema(parameter.Argument.ParameterType, parameter.Required);
            if (parameter.Required)
            {
                required.Add(parameter.Name);
            }
        }

        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        if (required.Count > 0)
        {
            schema["required"] = required;
        }

        return JsonSerializer.SerializeToElement(schema);
    }

    public JsonElement Output(IReadOnlyList<ToolOutput> outputs, MethodInfo handler)
    {
        var types = OutputTypes(Unwrap(handler.ReturnType), outputs.Count);
        var properties = new JsonObject();
        for (var i = 0; i < outputs.Count; i++)
        {
            properties[outputs[i].Name] = outputs[i].Output.Store is not null
                ? ServerSideLinkSchema()
                : types?[i] is { } type ? Schema(type) : new JsonObject();
        }

        return JsonSerializer.SerializeToElement(new JsonObject { ["type"] = "object", ["properties"] = properties });
    }

    /// <summary>A server-side output's place in the result: a link to the value with a preview, never the value (Resources/ServerSideLinks).</summary>
    private static JsonObject ServerSideLinkSchema() => new()
    {
        ["type"] = "object",
        ["description"] = "A value kept on the server: resources/read of uri returns it whole, to its owner only.",
        ["properties"] = new JsonObject
        {
            ["uri"] = new JsonObject { ["type"] = "string", ["format"] = "uri" },
            ["mimeType"] = new JsonObject { ["type"] = "string" },
            // The preview is at most ValuePreview.MaxLength characters.
            ["preview"] = new JsonObject { ["type"] = "string", ["maxLength"] = 200 },
            ["size"] = new JsonObject { ["type"] = "integer", ["minimum"] = 0 },
        },
        ["required"] = new JsonArray("uri", "preview"),
    };

    private JsonObject AllSchema(ToolParameter parameter)
    {
        var type = parameter.Argument.ParameterType;
        var element = MatchedValues.ValueTypeOf(type) ?? ElementType(type) ?? typeof(object);
        var id = new JsonObject();
        foreach (var key in parameter.AllKeys)
        {
            id[key] = new JsonObject { ["type"] = new JsonArray("string", "number") };
        }

        return new JsonObject
        {
            ["type"] = "array",
            ["items"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["id"] = new JsonObject { ["type"] = "object", ["properties"] = id, ["required"] = new JsonArray(parameter.AllKeys.Select(k => (JsonNode?)k).ToArray()) },
                    ["value"] = ValueSchema(element, required: false),
                },
                ["required"] = new JsonArray("id", "value"),
            },
        };
    }

    private JsonNode ValueSchema(Type type, bool required)
    {
        var schema = Schema(type);
        if (!required && schema is JsonObject node)
        {
            AllowNull(node);
        }

        return schema;
    }

    private JsonNode Schema(Type type) => JsonSchemaExporter.GetJsonSchemaAsNode(_json, type, ExporterOptions);

    /// <summary>An optional argument may be sent as null, which is what the handler gets when it is left out.</summary>
    private static void AllowNull(JsonObject node)
    {
        switch (node["type"])
        {
            case JsonValue value when value.GetValueKind() == JsonValueKind.String && value.GetValue<string>() != "null":
                node["type"] = new JsonArray(value.GetValue<string>(), "null");
                break;
            case JsonArray types when !types.Any(t => t?.GetValue<string>() == "null"):
                types.Add("null");
                break;
        }

        if (node["enum"] is JsonArray values && !values.Any(v => v is null))
        {
            values.Add(null);
        }
    }

    /// <summary>An enum read as a number gets its numbers listed; one read as a string already lists its names.</summary>
    private static JsonNode ListEnumValues(JsonSchemaExporterContext context, JsonNode schema)
    {
        var type = Nullable.GetUnderlyingType(context.TypeInfo.Type) ?? context.TypeInfo.Type;
        if (type.IsEnum && schema is JsonObject node && node["enum"] is null)
        {
            var values = new JsonArray();
            foreach (var value in Enum.GetValuesAsUnderlyingType(type))
            {
                values.Add(JsonValue.Create(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)));
            }

            node["enum"] = values;
        }

        return schema;
    }

    private static Type Unwrap(Type type)
    {
        if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            return type.GetGenericArguments()[0];
        }

        return type;
    }

    /// <summary>Each output's type when the handler's return type says it: the type itself for one output, a tuple's elements for more.</summary>
    private static Type?[]? OutputTypes(Type returned, int count)
    {
        if (count == 1)
        {
            return returned == typeof(void) || returned == typeof(Task) || returned == typeof(ValueTask) ? null : [returned];
        }

        if (returned.IsGenericType && returned.FullName?.StartsWith("System.ValueTuple`", StringComparison.Ordinal) == true
            && returned.GetGenericArguments() is { } elements && elements.Length == count && count < 8)
        {
            return elements;
        }

        return null;
    }

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        return type.IsGenericType && type.GetGenericArguments() is [var element] ? element : null;
    }
}
