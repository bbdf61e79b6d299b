namespace HaWitness.Cluster.Join;

/// <summary>An API outcome as a value: an HTTP status, and either a body or a stable error code with a sentence.</summary>
public readonly record struct ApiResult<T>(int Status, T? Value, string? Error, string? Message)
{
    /// <summary>200 with a body.</summary>
    public static ApiResult<T> Ok(T value) => new(200, value, null, null);

    /// <summary>An error status with a code and a message for people.</summary>
    public static ApiResult<T> Fail(int status, string error, string message) => new(status, default, error, message);
}
