using System.Diagnostics;
using System.Security.Cryptography;
using ChunkUploader.Tests.Infrastructure;

namespace ChunkUploader.Benchmarks;

/// <summary>
/// The guide's Flask chunk receiver (bench/flask/receiver.py) under gunicorn, 2 worker processes of 4 threads each, on a
/// free loopback port: the sample the issue measured ChunkUploader against. Needs Debian's <c>python3-flask</c> and
/// <c>gunicorn</c>.
/// </summary>
public sealed class FlaskReceiver : IAsyncDisposable
{
    public const string Gunicorn = "/usr/bin/gunicorn";
    private const int Workers = 2;

    private readonly Process _process;
    private readonly string _root;

    private FlaskReceiver(Process process, string root, Uri baseAddress, IReadOnlyList<int> processIds) =>
        (_process, _root, BaseAddress, ProcessIds) = (process, root, baseAddress, processIds);

    public Uri BaseAddress { get; }

    /// <summary>gunicorn's master and its workers: the receiver's CPU, writes and memory are theirs together.</summary>
    public IReadOnlyList<int> ProcessIds { get; }

    /// <summary>Starts the receiver; null (and the reason on the console) when gunicorn is missing or it does not answer.</summary>
    public static async Task<FlaskReceiver?> StartAsync(string repository, CancellationToken cancellationToken)
    {
        if (!File.Exists(Gunicorn))
        {
            Console.WriteLine($"({Gunicorn} is not installed: apt-get install python3-flask gunicorn)");
            return null;
        }
        var root = Directory.CreateTempSubdirectory("chunkuploader-bench-flask-").FullName;
        var port = LoopbackPort.Free();
        var start = new ProcessStartInfo(Gunicorn,
            ["-w", Workers.ToString(), "--threads", "4", "-b", $"127.0.0.1:{port}", "--chdir", Path.Combine(repository, "bench", "flask"), "receiver:app"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["RECEIVER_ROOT"] = root;
        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
        _ = process.StandardError.ReadToEndAsync(cancellationToken);

        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        try
        {
            using var http = new HttpClient { BaseAddress = baseAddress };
            var deadline = Stopwatch.GetTimestamp() + 30 * Stopwatch.Frequency;
            while (Stopwatch.GetTimestamp() < deadline && !process.HasExited)
            {
                var workers = Children(process.Id);
                try
                {
                    // A probe without parameters answers 400 once a worker serves requests.
                    using var answer = await http.GetAsync("api/upload", cancellationToken);
                    if (workers.Count == Workers) return new FlaskReceiver(process, root, baseAddress, [process.Id, .. workers]);
                }
                catch (HttpRequestException) { }
                await Task.Delay(200, cancellationToken);
            }
            Console.WriteLine(process.HasExited
                ? "(the Flask receiver exited at start: is python3-flask installed?)"
                : "(the Flask receiver did not answer within 30 s)");
        }
        catch
        {
            await ChildProcess.StopAsync(process, root);
            throw;
        }
        await ChildProcess.StopAsync(process, root);
        return null;
    }

    /// <summary>The SHA-256 of the finished file the receiver joined under <paramref name="name"/>, or null when there is none.</summary>
    public async Task<string?> StoredSha256Async(string name, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_root, "files", name);
        if (!File.Exists(path)) return null;
        await using var stored = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stored, cancellationToken));
    }

    /// <summary>Checks every file's stored bytes: the note of a row.</summary>
    public async Task<string> VerifyAsync(IReadOnlyCollection<BenchFile> files, CancellationToken cancellationToken)
    {
        var matched = 0;
        foreach (var file in files)
            if (await StoredSha256Async(file.Name, cancellationToken) == file.Sha256) matched++;
        return matched == files.Count ? $"{matched}/{files.Count} SHA-256 ok (of the stored files)" : $"SHA-256 MISMATCH: {matched}/{files.Count} ok";
    }

    public async ValueTask DisposeAsync() => await ChildProcess.StopAsync(_process, _root);

    /// <summary>The worker pids gunicorn has forked so far; none when its process is gone. The workers are counted once,
    /// at start: a worker gunicorn replaced later (it does so only when one dies) would end the run.</summary>
    private static List<int> Children(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
        }
        catch (IOException)
        {
            return [];
        }
    }
}
