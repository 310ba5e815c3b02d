using System.Collections;
using System.IO.Pipelines;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace BackgroundCallbacks.Registry;

/// <summary>
/// Startup checks of what a handler's signature can work with: argument types that JSON can fill, and return and
/// progress types that can be split over the declared properties. Without them the mistake shows only at request
/// time, as a 400 that blames the client or as every job failing.
/// </summary>
internal static class HandlerShapes
{
    // Types that stand for the request or the process, not for a value a browser sends. HttpContext and the like do
    // not exist on a worker; a handler reads the caller from CallbackContext instead.
    private static readonly Type[] NotFromJson =
    [
        typeof(HttpContext), typeof(HttpRequest), typeof(HttpResponse), typeof(IFormFile), typeof(IFormFileCollection),
        typeof(ClaimsPrincipal), typeof(IServiceProvider), typeof(Stream), typeof(PipeReader), typeof(PipeWriter),
        typeof(Delegate), typeof(Type), typeof(MemberInfo), typeof(Task), typeof(ValueTask), typeof(Exception),
    ];

    /// <summary>Why an argument of this type cannot come from JSON, or null when it can.</summary>
    public static string? WhyNotFromJson(Type type, JsonSerializerOptions json)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying.IsByRefLike || underlying.IsPointer || underlying.ContainsGenericParameters)
        {
            return $"{Name(type)} cannot be created from a request's JSON";
        }

        if (NotFromJson.FirstOrDefault(t => t.IsAssignableFrom(underlying)) is { } service)
        {
            return $"{Name(type)} is not a value the browser sends (it stands for the request or a service){Hint(service)}";
        }

        if ((underlying.IsInterface || underlying.IsAbstract) && underlying != typeof(object) && !typeof(IEnumerable).IsAssignableFrom(underlying)
            && !HasConverter(underlying, json))
        {
            return $"{Name(type)} is an interface or abstract class that JSON cannot create (give it a JsonConverter or [JsonDerivedType]s)";
        }

        return null;
    }

    /// <summary>
    /// What is wrong with splitting a value of <paramref name="type"/> over <paramref name="count"/> properties (the
    /// type as it should not be), or null when it can be split (or only the value can tell, as for <see cref="object"/>).
    /// </summary>
    public static string? WhyNotSplit(Type type, int count)
    {
        if (count <= 1 || type == typeof(object) || type == typeof(NoUpdate))
        {
            return null;
        }

        if (TupleArity(type) is { } arity)
        {
            return arity == count ? null : $"a tuple of {arity} values";
        }

        var isList = type != typeof(string) && (type.IsArray || typeof(IList).IsAssignableFrom(type) || IsGenericList(type));
        return isList ? null : $"{Name(type)}, not a tuple of {count} values (or a list)";
    }

    /// <summary>What a handler's return type yields once awaited: T for Task&lt;T&gt; and ValueTask&lt;T&gt;.</summary>
    public static Type? Yielded(Type returnType)
    {
        if (returnType == typeof(void) || returnType == typeof(Task) || returnType == typeof(ValueTask))
        {
            return null;
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() is var definition
            && (definition == typeof(Task<>) || definition == typeof(ValueTask<>)))
        {
            return returnType.GetGenericArguments()[0];
        }

        return returnType;
    }

    private static int? TupleArity(Type type)
    {
        if (!typeof(ITuple).IsAssignableFrom(type) || !type.IsGenericType)
        {
            return null;
        }

        var arguments = type.GetGenericArguments();

        // Eight or more items nest the rest in an eighth tuple.
        return arguments.Length == 8 && TupleArity(arguments[7]) is { } rest ? 7 + rest : arguments.Length;
    }

    private static bool IsGenericList(Type type) =>
        type.IsInterface && type.IsGenericType && type.GetGenericTypeDefinition() is var d
        && (d == typeof(IList<>) || d == typeof(IReadOnlyList<>));

    private static bool HasConverter(Type type, JsonSerializerOptions json) =>
        type.IsDefined(typeof(JsonConverterAttribute), inherit: false) || type.IsDefined(typeof(JsonDerivedTypeAttribute), inherit: false)
        || json.Converters.Any(c => c.CanConvert(type));

    private static string Hint(Type service) =>
        service == typeof(ClaimsPrincipal) || service == typeof(HttpContext) || service == typeof(HttpRequest)
            ? "; take a CallbackContext for the caller's identity"
            : string.Empty;

    private static string Name(Type type) => type.IsGenericType
        ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>"
        : type.Name;
}
