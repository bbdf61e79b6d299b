namespace HaWitness.Appliance.Http;

/// <summary>
/// Puts the rate limiter and <see cref="RequestGuard"/> ahead of the app's own middleware, so that
/// a refused request is answered before authentication (password hashing) or any body is read.
/// </summary>
internal sealed class RequestLimitsStartup : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((http, nextMiddleware) =>
        {
            ResponseGuards.AddSecurityHeaders(http); // the guard's and the limiter's refusals carry them too
            return nextMiddleware(http);
        });
        app.Use(RequestGuard.InvokeAsync);
        app.UseRateLimiter();
        next(app);
    };
}
