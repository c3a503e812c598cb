using System.Diagnostics.Metrics;
using System.Net;
using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Observability;
using ChunkUploader.Web.Options;
using ChunkUploader.Web.Services.Uploads.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace ChunkUploader.Tests.Api;

[TestClass]
public sealed class ObservabilityEndpointTests
{
    private static AppFixture App => AppFixture.Shared;

    [TestMethod]
    public async Task Healthz_answers_healthy_to_an_anonymous_caller_when_database_and_storage_are_reachable()
    {
        using var client = App.CreateAnonymousClient();

        using var response = await client.GetAsync("healthz");

        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual("Healthy", await response.Content.ReadAsStringAsync());
    }

    [TestMethod]
    public async Task The_storage_check_is_unhealthy_while_the_storage_root_is_not_the_one_the_server_started_with()
    {
        // Beside the app's folder, not in it: the abuse tests count every file there outside the app's storage root.
        var root = Path.Combine(App.WorkDirectory + "-health-" + Guid.NewGuid().ToString("N")[..8], "storage");
        var check = new StorageHealthCheck(Microsoft.Extensions.Options.Options.Create(new StorageOptions { Root = root }), new ContentRoot(App.WorkDirectory));
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("storage", check, HealthStatus.Unhealthy, null) };

        var beforeStart = await check.CheckHealthAsync(context);
        Assert.IsNull(StorageRootMarker.Ensure(root), "the server's start makes the root and its marker");
        var started = await check.CheckHealthAsync(context);
        // A shared mount that went away leaves an empty mount point (or nothing) where the root was.
        File.Delete(Path.Combine(root, StorageRootMarker.FileName));
        var mountGone = await check.CheckHealthAsync(context);

        Assert.AreEqual(HealthStatus.Unhealthy, beforeStart.Status);
        Assert.IsFalse(File.Exists(Path.Combine(root, StorageRootMarker.FileName)), "the check never makes the root or its marker");
        Assert.AreEqual(HealthStatus.Healthy, started.Status, started.Description);
        Assert.AreEqual(HealthStatus.Unhealthy, mountGone.Status);
        StringAssert.Contains(mountGone.Description, "The storage root is not there");
        CollectionAssert.AreEqual(Array.Empty<string>(), Directory.GetFiles(root), "the check's probe file is gone");
        Directory.Delete(Path.GetDirectoryName(root)!, recursive: true);
    }

    [TestMethod]
    public async Task A_storage_root_where_no_folder_can_be_made_cannot_be_used()
    {
        // A regular file where the root's parent folder should be: no folder can be made there.
        var blocker = App.WorkDirectory + "-not-a-folder-" + Guid.NewGuid().ToString("N")[..8];
        await File.WriteAllTextAsync(blocker, "");

        var refusal = StorageRootMarker.Ensure(Path.Combine(blocker, "storage"));
        File.Delete(blocker);

        StringAssert.StartsWith(refusal, $"Storage:Root '{Path.Combine(blocker, "storage")}' cannot be used");
    }

    [TestMethod]
    public async Task Metrics_export_the_ChunkUploader_meter_and_request_durations_in_Prometheus_text_format_to_an_anonymous_scraper()
    {
        // Any instrument on a meter named ChunkUploader is exported, wherever in the process it is created.
        using var meter = new Meter(ObservabilityServiceCollectionExtensions.MeterName);
        var probe = meter.CreateCounter<long>("chunkuploader.test.probes");
        probe.Add(3);
        using var client = App.CreateAnonymousClient();
        (await client.GetAsync("Identity/Account/Login")).Dispose();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        string text;
        while (true)
        {
            using var response = await client.GetAsync("metrics");
            Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
            StringAssert.StartsWith(response.Content.Headers.ContentType?.MediaType, "text/plain");
            text = await response.Content.ReadAsStringAsync();
            if (text.Contains("chunkuploader_test_probes_total") && text.Contains("http_server_request_duration_seconds_bucket")) break;
            if (DateTime.UtcNow > deadline) Assert.Fail("The scrape lacked the probe counter or the request duration within 30 s:\n" + text);
            await Task.Delay(500); // the exporter caches a scrape briefly
        }

        StringAssert.Contains(text, "# TYPE chunkuploader_test_probes_total counter");
        StringAssert.Contains(text, "chunkuploader_test_probes_total{otel_scope_name=\"ChunkUploader\"} 3");
        StringAssert.Contains(text, "http_route=\"Identity/Account/Login\"");
    }

    [TestMethod]
    public async Task The_chunk_duration_is_exported_in_buckets_of_seconds()
    {
        using var session = await App.NewSessionAsync();
        await session.UploadAsync(TestFile.Random(2048, 1024, "timed.bin"));

        List<string> buckets = [];
        await Poll.UntilAsync(async () =>
        {
            using var response = await session.Client.GetAsync("metrics"); // the exporter caches a scrape briefly
            buckets = (await response.Content.ReadAsStringAsync()).Split('\n')
                .Where(line => line.StartsWith("chunkuploader_chunk_duration_seconds_bucket", StringComparison.Ordinal)).ToList();
            return buckets.Count > 0;
        }, "the chunk duration in a scrape", seconds: 30);

        Assert.IsTrue(buckets.Any(l => l.Contains("le=\"0.005\"")), string.Join('\n', buckets));
        Assert.IsTrue(buckets.Any(l => l.Contains("le=\"60\"")), string.Join('\n', buckets));
        Assert.IsFalse(buckets.Any(l => l.Contains("le=\"10000\"")), "no millisecond edges: " + string.Join('\n', buckets));
    }

    private sealed class ContentRoot(string path) : IWebHostEnvironment
    {
        public string ContentRootPath { get; set; } = path;
        public string WebRootPath { get; set; } = path;
        public string EnvironmentName { get; set; } = Environments.Production;
        public string ApplicationName { get; set; } = "ChunkUploader.Web";
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
        public IFileProvider WebRootFileProvider { get; set; } = new NullFileProvider();
    }
}
