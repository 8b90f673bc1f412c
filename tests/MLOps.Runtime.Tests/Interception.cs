using System.Reflection;

namespace MLOps.Runtime.Tests;

/// <summary>
/// A real implementation of <typeparamref name="T"/> with one method (every overload of its name)
/// replaced, so a test can put a fault or a hook exactly where it needs one while everything else
/// runs for real.
/// </summary>
public class Interception<T> : DispatchProxy
    where T : class
{
    private T _inner = null!;
    private string _method = null!;
    private Func<T, object?[], object?> _replacement = null!;

    /// <summary><paramref name="replacement"/> gets the real implementation and the call's arguments and returns the call's result.</summary>
    public static T Replace(T inner, string method, Func<T, object?[], object?> replacement)
    {
        var proxy = Create<T, Interception<T>>();
        var self = (Interception<T>)(object)proxy;
        self._inner = inner;
        self._method = method;
        self._replacement = replacement;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod!.Name == _method)
        {
            return _replacement(_inner, args ?? []);
        }

        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}
