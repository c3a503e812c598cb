using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ChunkUploader.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChunkUploader.Tests.Abuse;

/// <summary>
/// The app as an operator runs it: environment Production, HTTPS only (a throwaway self-signed certificate for
/// <see cref="HostName"/>), <c>AllowedHosts</c> set, registration closed, and a small upload rate so that the limit
/// is reached in a few requests. Clients connect to 127.0.0.1 but send <see cref="HostName"/> as Host and SNI,
/// because HSTS is never sent to localhost.
/// </summary>
public sealed class ProductionHost : WebApplicationFactory<Program>
{
    public const string HostName = "uploads.test";
    public const int UploadBurst = 5;

    /// <summary>A path that throws, to see the production error page.</summary>
    public const string FaultPath = "/test-fault";
    public const string FaultMessage = "A deliberate test fault.";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "chunkuploader-production-" + Guid.NewGuid().ToString("N")[..8]);
    private int _port;

    public ServerErrorLog ServerErrors { get; } = new();

    /// <summary>Errors logged other than the deliberate fault's.</summary>
    public IEnumerable<string> UnexpectedErrors => ServerErrors.Errors.Where(e => !e.Contains(FaultMessage, StringComparison.Ordinal));

    public static ProductionHost Start()
    {
        var host = new ProductionHost();
        using var certificate = SelfSignedCertificate();
        var pfx = certificate.Export(X509ContentType.Pfx);
        host.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(X509CertificateLoader.LoadPkcs12(pfx, null))));
        host.StartServer();
        var address = new Uri(host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        host._port = address.Port;
        return host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var storage = Path.Combine(_directory, "storage");
        Directory.CreateDirectory(storage);
        builder.UseEnvironment("Production");
        builder.UseSetting("AllowedHosts", HostName);
        builder.UseSetting("Storage:Root", storage);
        builder.UseSetting("ConnectionStrings:Default", $"Data Source={Path.Combine(storage, "app.db")}");
        builder.UseSetting("Upload:MinChunkSize", "1024");
        builder.UseSetting("RateLimits:UploadRequestsPerSecond", "1");
        builder.UseSetting("RateLimits:UploadBurst", UploadBurst.ToString());
        builder.UseSetting("Identity:AllowRegistration", "false");
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddProvider(ServerErrors));
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, FaultEndpoint>());
    }

    /// <summary>A client that keeps cookies, follows no redirect, trusts the throwaway certificate and sends <paramref name="host"/> as Host.</summary>
    public HttpClient CreateHttpsClient(string host = HostName)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            CookieContainer = new CookieContainer(),
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(IPAddress.Loopback, _port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri($"https://{host}:{_port}/"), Timeout = TimeSpan.FromMinutes(2) };
    }

    public async Task<ApiSession> NewSessionAsync() =>
        await AppFixture.SignInAsync(CreateHttpsClient(), await AppFixture.CreateUserAsync(Services));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }

    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={HostName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(HostName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    /// <summary>Adds <see cref="FaultPath"/>, which throws, in front of the app's own pipeline (behind its exception handler).</summary>
    private sealed class FaultEndpoint : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Map(FaultPath, fault => fault.Run(_ => throw new InvalidOperationException(FaultMessage)));
        };
    }
}
