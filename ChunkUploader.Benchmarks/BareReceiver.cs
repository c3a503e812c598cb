using System.Collections.Concurrent;
using System.Runtime.InteropServices;
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
/// Started durable, it also flushes every chunk to disk before answering (and the folder when the chunk created the
/// file), as the app does: the distance from that one is the app's own cost, without the disk's.
/// </summary>
public sealed partial class BareReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _root;

    private BareReceiver(WebApplication app, string root, Uri baseAddress) => (_app, _root, BaseAddress) = (app, root, baseAddress);

    public Uri BaseAddress { get; }

    public static async Task<BareReceiver> StartAsync(bool durable, CancellationToken cancellationToken)
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
                var path = Path.Combine(root, identifier);
                var created = durable && !File.Exists(path);
                await using var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.Asynchronous);
                file.Position = offset;
                await section.Body.CopyToAsync(file, 81920, aborted);
                // On a thread of its own: the benchmark's client shares this process's thread pool, and a blocked pool thread would slow it too.
                if (durable) await Task.Factory.StartNew(() => file.Flush(flushToDisk: true), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                if (created) FlushDirectory(root);
            }
            held[(identifier, number)] = true;
            return Results.Json(new { status = "chunk_received" });
        });
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BareReceiver(app, root, new Uri(address + "/"));
    }

    private static void FlushDirectory(string directory)
    {
        var fd = Open(directory, 0x10000); // O_RDONLY | O_DIRECTORY
        if (fd < 0) throw new IOException($"Could not open {directory} to flush it.");
        try { if (Fsync(fd) != 0) throw new IOException($"fsync of {directory} failed."); }
        finally { _ = Close(fd); }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }
}
