namespace HaWitness.Core.Status;

/// <summary>The body of every 4xx/5xx answer: a stable code and a sentence for people.</summary>
public sealed record ErrorBody(string Error, string Message);
