using Microsoft.AspNetCore.Http;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Execution;

/// <summary>Calls a handler method with the values its parameters ask for, and unwraps whatever awaitable it returns.</summary>
internal sealed class HandlerInvoker(MethodInfo method, object? target, IReadOnlyList<HandlerParameter> parameters)
{
    public MethodInfo Method { get; } = method;

    public IReadOnlyList<HandlerParameter> Parameters { get; } = parameters;

    public async Task<object?> InvokeAsync(IServiceProvider scope, object?[] arguments, object?[] requestValues, Func<Type, object> progressFactory, CallbackContext context, CancellationToken cancellationToken)
    {
        var values = new object?[Parameters.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var parameter = Parameters[i];
            values[i] = parameter.Kind switch
            {
                ParameterKind.Argument => arguments[parameter.ArgumentPosition],
                ParameterKind.Progress => progressFactory(parameter.ProgressType!),
                ParameterKind.CancellationToken => cancellationToken,
                ParameterKind.Context => context,
                ParameterKind.RequestValue => requestValues[parameter.ArgumentPosition],
                ParameterKind.Response => parameter.ProgressType == typeof(IResponseCookies) ? context.Response?.Cookies : context.Response,
                _ => throw new InvalidOperationException("Unknown parameter kind."),
            };
        }

        var instance = target ?? (Method.IsStatic ? null : ActivatorUtilities.GetServiceOrCreateInstance(scope, Method.DeclaringType!));
        object? returned;
        try
        {
            returned = Method.Invoke(instance, BindingFlags.DoNotWrapExceptions, binder: null, values, culture: null);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }

        return await Awaitables.UnwrapAsync(returned).ConfigureAwait(false);
    }
}
