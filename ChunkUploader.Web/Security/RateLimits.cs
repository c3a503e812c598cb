using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace ChunkUploader.Web.Security;

/// <summary>Request rates, bound from the <c>RateLimits</c> section and validated at start.</summary>
public sealed record RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>
    /// Requests per second one signed-in user may send to <c>/api/upload</c> (probes, chunks, status, cancel) in the long run.
    /// A folder of thousands of small files sends a probe and a chunk per file, about 200 requests a second.
    /// </summary>
    [Range(1, 100_000)]
    public int UploadRequestsPerSecond { get; init; } = 200;

    /// <summary>How many requests a user may send at once above the steady rate (the token bucket's size).</summary>
    [Range(1, 1_000_000)]
    public int UploadBurst { get; init; } = 400;

    /// <summary>Sign-in, registration and password-reset form posts one client address may send per <see cref="AccountWindow"/>.</summary>
    [Range(1, 1_000_000)]
    public int AccountAttempts { get; init; } = 10;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan AccountWindow { get; init; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// ASP.NET Core's rate limiter, partitioned by who is asking: the signed-in user on the upload API, the client
/// address on the account forms a password guesser would use. Over the limit: 429 with <c>Retry-After</c>.
/// </summary>
public static partial class RateLimits
{
    /// <summary>
    /// The account form posts a guesser or spammer repeats: sign-in and registration (the email pages answer 404 before
    /// this, see AccountSecurity). Matched by the page the request was routed to, not by its path, which routing also
    /// accepts with a trailing slash.
    /// </summary>
    private static readonly HashSet<string> AccountForms = new(StringComparer.OrdinalIgnoreCase)
    {
        "Identity/Account/Login", "Identity/Account/LoginWith2fa", "Identity/Account/LoginWithRecoveryCode",
        "Identity/Account/Register", "Identity/Account/ForgotPassword",
    };

    private static readonly PathString UploadApi = "/api/upload";

    public static IServiceCollection AddRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, configured) =>
        {
            var limits = configured.Value;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, limits));
            limiter.OnRejected = (rejected, cancellationToken) => RejectAsync(rejected, limits, cancellationToken);
        });
        return services;
    }

    /// <summary>After authentication (the upload partition is the user) and before the endpoints.</summary>
    public static IApplicationBuilder UseRateLimits(this IApplicationBuilder app) => app.UseRateLimiter();

    private static RateLimitPartition<string> Partition(HttpContext context, RateLimitOptions limits)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments(UploadApi) && context.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId)
            return RateLimitPartition.GetTokenBucketLimiter("upload:" + userId, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = limits.UploadBurst,
                TokensPerPeriod = limits.UploadRequestsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        // Only the posts count: showing the form costs nothing and guesses nothing.
        if (HttpMethods.IsPost(context.Request.Method) && context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } route } && AccountForms.Contains(route))
            return RateLimitPartition.GetFixedWindowLimiter("account:" + ClientAddress(context), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = limits.AccountAttempts,
                Window = limits.AccountWindow,
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        return RateLimitPartition.GetNoLimiter("none");
    }

    /// <summary>The client's address as the forwarded-headers middleware left it (the proxy's client when the proxy is trusted).</summary>
    private static string ClientAddress(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress ?? IPAddress.None;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        // An IPv6 client is handed a whole /64: one that walks through its addresses is still one client.
        var network = address.GetAddressBytes();
        Array.Clear(network, 8, 8);
        return new IPAddress(network) + "/64";
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, RateLimitOptions limits, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        var onUploads = context.Request.Path.StartsWithSegments(UploadApi);
        var message = onUploads
            ? $"Too many upload requests: at most {limits.UploadRequestsPerSecond} a second per user. Try again in {seconds} s."
            : $"Too many sign-in, registration or password-reset attempts from your address: at most {limits.AccountAttempts} per {limits.AccountWindow.TotalSeconds:0} s. Try again in {seconds} s.";
        Log.Refused(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RateLimits)),
            context.Request.Path, onUploads ? context.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "" : ClientAddress(context), seconds);

        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(message, cancellationToken);
    }

    private static partial class Log
    {
        // Debug, not Information: a client hammering the limit must not turn each refused request into a log line.
        // Counts are in ASP.NET Core's own meter, Microsoft.AspNetCore.RateLimiting.
        [LoggerMessage(EventId = 8001, Level = LogLevel.Debug, Message = "Rate limit: refused {Path} for {Client}, retry after {RetryAfterSeconds} s")]
        public static partial void Refused(ILogger logger, string path, string client, int retryAfterSeconds);
    }
}
