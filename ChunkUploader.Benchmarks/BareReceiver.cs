using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace ChunkUploader.Benchmarks;

/// <summary>
/// The baseline: Kestrel and nothing else. It takes the same Resumable.js requests as the app, answers the probe from
/// memory and streams each chunk's file part to its offset in one file per identifier: no sign-in, antiforgery,
/// validation, database, durability or hashing. What the app costs is its distance from this.
/// </summary>
public sealed class BareReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _root;

    private BareReceiver(WebApplication app, string root, Uri baseAddress) => (_app, _root, BaseAddress) = (app, root, baseAddress);

    public Uri BaseAddress { get; }

    public static async Task<BareReceiver> StartAsync(CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("chunkuploader-bare-").FullName;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 64L * 1024 * 1024);
        var app = builder.Build();

        var held = new ConcurrentDictionary<(string Identifier, long Number), bool>();
        app.MapGet("/api/upload", (HttpRequest request) =>
            held.ContainsKey((request.Query["resumableIdentifier"].ToString(), long.Parse(request.Query["resumableChunkNumber"].ToString())))
                ? Results.Text("Chunk present.")
                : Results.NoContent());
        app.MapPost("/api/upload", async (HttpRequest request, CancellationToken aborted) =>
        {
            var identifier = request.Query["resumableIdentifier"].ToString();
            var number = long.Parse(request.Query["resumableChunkNumber"].ToString());
            var offset = (number - 1) * long.Parse(request.Query["resumableChunkSize"].ToString());
            var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(request.ContentType).Boundary).Value!;
            var reader = new MultipartReader(boundary, request.Body);
            while (await reader.ReadNextSectionAsync(aborted) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || disposition.Name.Value != "file") continue;
                // The benchmark's identifiers (size-guid) are safe file names; the app sanitises, the baseline need not.
                await using var file = new FileStream(Path.Combine(root, identifier), FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.Asynchronous);
                file.Position = offset;
                await section.Body.CopyToAsync(file, 81920, aborted);
            }
            held[(identifier, number)] = true;
            return Results.Json(new { status = "chunk_received" });
        });
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BareReceiver(app, root, new Uri(address + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }
}
