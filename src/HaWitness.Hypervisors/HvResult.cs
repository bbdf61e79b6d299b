namespace HaWitness.Hypervisors;

/// <summary>The outcome of a hypervisor call without a value.</summary>
public readonly record struct HvResult(HypervisorError? Error)
{
    /// <summary>Success.</summary>
    public static HvResult Ok => default;

    /// <summary>True when the call succeeded.</summary>
    public bool IsOk => Error is null;

    /// <summary>A failure.</summary>
    public static HvResult Fail(HypervisorErrorKind kind, string message, long? nativeCode = null) =>
        new(new HypervisorError(kind, message, nativeCode));

    /// <summary>Wraps an error.</summary>
    public static implicit operator HvResult(HypervisorError error) => new(error);

    /// <inheritdoc/>
    public override string ToString() => Error?.ToString() ?? "ok";
}

/// <summary>The outcome of a hypervisor call: a value or an error.</summary>
public readonly record struct HvResult<T>
{
    private readonly T? _value;

    private HvResult(T? value, HypervisorError? error)
    {
        _value = value;
        Error = error;
    }

    /// <summary>Why it failed; null on success.</summary>
    public HypervisorError? Error { get; }

    /// <summary>True when the call succeeded.</summary>
    public bool IsOk => Error is null;

    /// <summary>The value; throws when the call failed (check <see cref="IsOk"/> first).</summary>
    public T Value => Error is null ? _value! : throw new InvalidOperationException("no value: " + Error);

    /// <summary>A success.</summary>
    public static HvResult<T> Ok(T value) => new(value, null);

    /// <summary>A failure.</summary>
    public static HvResult<T> Fail(HypervisorErrorKind kind, string message, long? nativeCode = null) =>
        new(default, new HypervisorError(kind, message, nativeCode));

    /// <summary>Wraps a value.</summary>
    public static implicit operator HvResult<T>(T value) => Ok(value);

    /// <summary>Wraps an error.</summary>
    public static implicit operator HvResult<T>(HypervisorError error) => new(default, error);

    /// <summary>Drops the value.</summary>
    public HvResult AsResult() => new(Error);

    /// <inheritdoc/>
    public override string ToString() => Error?.ToString() ?? $"ok: {_value}";
}
