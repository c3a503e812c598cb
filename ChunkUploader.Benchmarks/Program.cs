using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using ChunkUploader.Benchmarks;
using ChunkUploader.Tests.Infrastructure;

// dotnet run -c Release --project ChunkUploader.Benchmarks -- [--quick] [--profile] [--app-setting Key=Value] [--only 1mib|5mib|tus|flask|huge|probe|small|page|users|nofsync|pg]
var sizes = args.Contains("--quick") ? BenchSizes.Quick : BenchSizes.Full;
// --profile: after the measured scenarios, repeats four of them (1 MiB chunks, probes, small files, 50 users) under strace and perf and the page's in a Chromium trace (not measured: the tools slow what they watch).
var profile = args.Contains("--profile");
// --only: the scenarios whose key is given, for iterating on one cost; results of such a run are not the committed table.
var only = args.SkipWhile(arg => arg != "--only").Skip(1).FirstOrDefault();
bool Wanted(string key) => only is null || only.Split(',').Contains(key);
// --app-setting Key=Value (repeatable): a configuration key or runtime variable for every app started, for A/B runs of one knob.
var appSettings = args.Select((arg, n) => (arg, n)).Where(a => a.arg == "--app-setting" && a.n + 1 < args.Length)
    .Select(a => args[a.n + 1].Split('=', 2)).ToDictionary(pair => pair[0], pair => pair.ElementAtOrDefault(1) ?? "");
if (profile) foreach (var (key, value) in Profiler.AppSettings) appSettings[key] = value;
IReadOnlyDictionary<string, string> With(params (string Key, string Value)[] settings) =>
    settings.Aggregate(new Dictionary<string, string>(appSettings), (all, setting) => { all[setting.Key] = setting.Value; return all; });
// Every scenario is bounded in bytes, files or seconds; this bounds the whole run in time as well.
using var runTime = new CancellationTokenSource(TimeSpan.FromMinutes(30));
var cancellationToken = runTime.Token;
Console.CancelKeyPress += (_, e) => { e.Cancel = true; runTime.Cancel(); };

var repository = RepositoryRoot();
var appDll = await PublishedAppAsync(repository, cancellationToken);
var rows = new List<ResultRow>();
var scenarios = new Scenarios(cancellationToken);
var step = 0;
var resetTime = TimeSpan.Zero; // spent in PageCacheReset before the rows
// Seven long scenarios run once; the 1 MiB, 5 MiB, probe and small-file ones (17 rows) once per round.
var steps = 7 + 17 * sizes.Rounds;

async Task<ResultRow?> Run(string key, string what, Func<Task<ResultRow>> scenario)
{
    if (!Wanted(key)) return null;
    var row = await Measure(what, scenario);
    rows.Add(row);
    return row;
}

async Task<ResultRow> Measure(string what, Func<Task<ResultRow>> scenario)
{
    Console.Write($"[{++step,2}/{steps}] {what} … ");
    resetTime += PageCacheReset.Run();
    var row = await scenario();
    Console.WriteLine($"{row.Rate.ToString("0.#", CultureInfo.InvariantCulture)} {row.Unit} {row.Note}");
    return row;
}

// A single pass on this shared machine can be ±50 % off. The short scenarios therefore run every target in turn, round
// after round, and each target's row is its median round (the note lists every round), so that a slow moment hits all
// targets alike rather than one of them.
async Task<ResultRow?[]> Alternate(params (string Key, string What, Func<Task<ResultRow>>? Scenario)[] targets)
{
    var measured = targets.Select(_ => new List<ResultRow>()).ToArray();
    for (var round = 1; round <= sizes.Rounds; round++)
        for (var t = 0; t < targets.Length; t++)
            if (targets[t] is { Scenario: { } scenario } target && Wanted(target.Key))
                measured[t].Add(await Measure(sizes.Rounds == 1 ? target.What : $"{target.What} (round {round})", scenario));
    return measured.Select(runs => runs.Count == 0 ? null : Median(runs)).ToArray();
}

ResultRow Median(List<ResultRow> runs)
{
    var ordered = runs.OrderBy(run => run.Rate).ToList();
    var median = ordered[ordered.Count / 2];
    if (runs.Count > 1)
        median = median with { Note = $"{median.Note}{(median.Note.Length > 0 ? "; " : "")}median of {string.Join(", ", runs.Select(run => run.Rate.ToString(run.Rate >= 100 ? "#,0" : "0.#", CultureInfo.InvariantCulture)))}" };
    rows.Add(median);
    return median;
}

ResultRow? Versus(ResultRow? row, ResultRow? bare) =>
    row is not null && bare is not null ? Replace(row, row with { Ratio = row.Rate / bare.Rate }) : row;

// The app's row, noting its rate as a multiple of another server's in the same scenario.
ResultRow? Against(ResultRow? appRow, ResultRow? other, string name) =>
    appRow is not null && other is not null ? Replace(appRow, appRow with { Note = $"{appRow.Note}; {appRow.Rate / other.Rate:0.00}x {name}" }) : appRow;

ResultRow Replace(ResultRow row, ResultRow with)
{
    rows[rows.IndexOf(row)] = with;
    return with;
}

const string Password = "Bench-Pass-2026!";
// Scenario names, shared by the rows that compare with one another (SQLite and PostgreSQL, app and bare).
var bigFile = $"{sizes.BigFileBytes / BenchSizes.MiB} MiB file";
var oneMiBChunks = $"{bigFile}, 1 MiB chunks";
const string Probes = "testChunks probe (signed in)";
const string FlaskSample = "guide's Flask receiver (gunicorn 2x4)";
var smallFilesScenario = $"{sizes.SmallFiles} files of {sizes.SmallFileBytes / 1000} KB, one chunk each";
ResultRow? oneMiBBaseline = null, oneMiBApp = null, appProbes = null, appSmall = null;
var loadBefore = LoadAverage();
var peakResets = ProcessIo.ResetPeak(Environment.ProcessId);
var errorLines = 0;
var warmUpRounds = new List<string>();
// The runtime's background JIT thread (Linux shows the first 15 characters of ".NET Tiered Compilation Worker").
const string TieredCompilationThread = ".NET Tiered Com";
Console.WriteLine($"ChunkUploader benchmark ({sizes.Mode}); app: {appDll}");
await using (var bare = await BareReceiver.StartAsync(durable: false, cancellationToken))
await using (var durableBare = await BareReceiver.StartAsync(durable: true, cancellationToken))
using (var bareClient = ResumableClient.Anonymous(bare.BaseAddress))
using (var durableBareClient = ResumableClient.Anonymous(durableBare.BaseAddress))
{
    var bareTarget = new Target("bare Kestrel", bareClient, Environment.ProcessId, IsApp: false);
    // The targets compare with the bare receiver; this one shows how much of the distance is the disk's flush.
    var durableBareTarget = new Target("bare Kestrel, fsync per chunk", durableBareClient, Environment.ProcessId, IsApp: false);
    await using (var app = await AppUnderTest.StartAsync(appDll, With(), cancellationToken))
    {
        using var appClient = await ResumableClient.RegisterAsync(app.BaseAddress, "bench@bench.local", Password, cancellationToken);
        var appTarget = new Target("ChunkUploader", appClient, app.ProcessId, IsApp: true);
        await WarmUpAsync(bareTarget, appTarget);

        await using var flask = Wanted("flask") ? await FlaskReceiver.StartAsync(repository, cancellationToken) : null;
        using var flaskClient = flask is null ? null : ResumableClient.Anonymous(flask.BaseAddress);
        var flaskTarget = flask is null ? null : new Target(FlaskSample, flaskClient!, flask.ProcessIds[0], IsApp: false)
        {
            ProcessIds = flask.ProcessIds,
            CheckStored = flask.VerifyAsync,
        };

        await using (var tus = Wanted("tus") ? await TusNodeServer.StartAsync(repository, cancellationToken) : null)
        foreach (var chunk in new[] { 1, 5 })
        {
            var file = BenchFile.Random(sizes.BigFileBytes, chunk * BenchSizes.MiB, "big.bin");
            var scenario = $"{bigFile}, {chunk} MiB chunks";
            var key = $"{chunk}mib";
            var measured = await Alternate(
                (key, $"{scenario}, bare", () => scenarios.OneFileAsync(scenario, bareTarget, file.Again())),
                (key, $"{scenario}, bare with fsync", () => scenarios.OneFileAsync(scenario, durableBareTarget, file.Again())),
                (key, $"{scenario}, app", () => scenarios.OneFileAsync(scenario, appTarget, file.Again())),
                ("flask", $"{scenario}, Flask sample", flaskTarget is null ? null : () => scenarios.OneFileAsync(scenario, flaskTarget, file.Again())),
                ("tus", $"{scenario}, tus-node-server", tus is null ? null : () => scenarios.TusFileAsync(scenario, tus, file.Again())));
            var baseline = measured[0];
            var appRow = Against(Versus(measured[2], baseline), Versus(measured[1], baseline), "bare with fsync");
            appRow = Against(appRow, Versus(measured[3], baseline), "the Flask sample");
            appRow = Against(appRow, Versus(measured[4], baseline), "tus-node-server");
            if (chunk == 1) (oneMiBBaseline, oneMiBApp) = (baseline, appRow);
        }

        // The target compares the final chunk and the memory of a much bigger file with the 256 MiB one: neither may grow with the size.
        var hugeFile = $"{sizes.HugeFileBytes / BenchSizes.MiB} MiB file, 1 MiB chunks";
        Versus(await Run("huge", $"{hugeFile}, app", () => scenarios.OneFileAsync(hugeFile, appTarget, BenchFile.Generated(sizes.HugeFileBytes, BenchSizes.MiB, "huge.bin"))), oneMiBApp);

        var probes = await Alternate(
            ("probe", $"{Probes}, bare", () => scenarios.ProbesAsync(Probes, bareTarget, sizes.ProbeDuration, sizes.ProbeConcurrency)),
            ("probe", $"{Probes}, app", () => scenarios.ProbesAsync(Probes, appTarget, sizes.ProbeDuration, sizes.ProbeConcurrency)),
            ("flask", $"{Probes}, Flask sample", flaskTarget is null ? null : () => scenarios.ProbesAsync(Probes, flaskTarget, sizes.ProbeDuration, sizes.ProbeConcurrency)));
        appProbes = Against(Versus(probes[1], probes[0]), Versus(probes[2], probes[0]), "the Flask sample");

        var smallFiles = SmallFiles(sizes.SmallFiles, "photo");
        var small = await Alternate(
            ("small", $"{smallFilesScenario}, bare", () => scenarios.SmallFilesAsync(smallFilesScenario, bareTarget, smallFiles.Select(f => f.Again()).ToList())),
            ("small", $"{smallFilesScenario}, bare with fsync", () => scenarios.SmallFilesAsync(smallFilesScenario, durableBareTarget, smallFiles.Select(f => f.Again()).ToList())),
            ("small", $"{smallFilesScenario}, app", () => scenarios.SmallFilesAsync(smallFilesScenario, appTarget, smallFiles.Select(f => f.Again()).ToList())),
            ("flask", $"{smallFilesScenario}, Flask sample", flaskTarget is null ? null : () => scenarios.SmallFilesAsync(smallFilesScenario, flaskTarget, smallFiles.Select(f => f.Again()).ToList())));
        var bareSmall = small[0];
        appSmall = Against(Versus(small[2], bareSmall), Versus(small[1], bareSmall), "bare with fsync");
        appSmall = Against(appSmall, Versus(small[3], bareSmall), "the Flask sample");

        var dropped = $"{sizes.PageFiles} files of {sizes.SmallFileBytes / 1000} KB, a folder on the page";
        if (Wanted("page") && !File.Exists(ChromiumUploadPage.ChromiumPath))
            Console.WriteLine($"[{++step,2}/{steps}] {dropped}: skipped, {ChromiumUploadPage.ChromiumPath} is not installed (apt-get install chromium)");
        else if (Wanted("page"))
        {
            // A user of its own, so that its complete uploads are exactly the folder's files.
            const string pageUser = "bench-page@bench.local";
            using var pageClient = await ResumableClient.RegisterAsync(app.BaseAddress, pageUser, Password, cancellationToken);
            await using var page = await ChromiumUploadPage.SignInAsync(app.BaseAddress, pageUser, Password, cancellationToken);
            var pageTarget = new Target("ChunkUploader, headless Chromium", pageClient, app.ProcessId, IsApp: true);
            var folderFiles = SmallFiles(sizes.PageFiles, "photo");
            Versus(await Run("page", $"{dropped}, app", () => scenarios.PageFolderAsync(dropped, pageTarget, page, folderFiles)), bareSmall);
            if (profile)
            {
                var profiled = Path.Combine(ProfileFolder(), "page-trace.txt");
                Console.WriteLine($"Tracing the page in Chromium into {Path.GetRelativePath(repository, profiled)}");
                await scenarios.PageFolderAsync("profiled", pageTarget, page, SmallFiles(1000, "profiled"), profiled);
            }
        }

        var users = new List<Target>();
        for (var u = 0; u < (Wanted("users") ? sizes.Users : 0); u++)
            users.Add(new Target("ChunkUploader", await ResumableClient.RegisterAsync(app.BaseAddress, $"bench-user-{u}@bench.local", Password, cancellationToken), app.ProcessId, IsApp: true));
        if (users.Count > 0) await WarmUpManyAsync(users);
        var many = $"{sizes.Users} users x {sizes.FilesPerUser} files of {sizes.UserFileBytes / BenchSizes.MiB} MiB, 1 MiB chunks";
        Versus(await Run("users", many, () => scenarios.ManyUsersAsync(many, users, sizes.FilesPerUser, sizes.UserFileBytes)), oneMiBBaseline);
        if (profile) await ProfileAsync(app, appTarget, users: users);
        foreach (var user in users) user.Client.Dispose();
        errorLines += app.ErrorLines;
    }

    // Durable writes off is a second app on its own storage: the option is read at start.
    if (Wanted("nofsync"))
    await using (var app = await AppUnderTest.StartAsync(appDll, With(("Storage:Durable", "false")), cancellationToken))
    {
        using var appClient = await ResumableClient.RegisterAsync(app.BaseAddress, "bench@bench.local", Password, cancellationToken);
        var appTarget = new Target("ChunkUploader, Storage:Durable=false", appClient, app.ProcessId, IsApp: true);
        await WarmUpAsync(appTarget);
        var file = BenchFile.Random(sizes.BigFileBytes, BenchSizes.MiB, "big.bin");
        Versus(await Run("nofsync", $"{oneMiBChunks}, app without fsync", () => scenarios.OneFileAsync(oneMiBChunks, appTarget, file)), oneMiBBaseline);
        errorLines += app.ErrorLines;
    }
}

if (Wanted("pg")) await PostgreSqlAsync();

var table = ResultTable.Text(rows);
Console.WriteLine();
Console.WriteLine(table);
var results = Path.Combine(repository, "bench", "results", $"{DateTime.UtcNow:yyyy-MM-dd}{(sizes == BenchSizes.Quick ? "-quick" : "")}{(only is null ? "" : "-only")}.md");
Directory.CreateDirectory(Path.GetDirectoryName(results)!);
await File.WriteAllTextAsync(results, Report(), cancellationToken);
Console.WriteLine($"Written to {Path.GetRelativePath(repository, results)}");
return errorLines == 0 ? 0 : 1;

// The same scenarios with the app on PostgreSQL (a throwaway cluster of its own with PostgreSQL's durable defaults),
// each against the SQLite row of this run; skipped when PostgreSQL is not installed.
async Task PostgreSqlAsync()
{
    if (!PostgresCluster.IsInstalled)
    {
        Console.WriteLine($"[{++step,2}/{steps}] PostgreSQL: skipped, initdb is not installed (apt-get install postgresql)");
        return;
    }
    var cluster = await PostgresCluster.StartAsync(durable: true);
    try
    {
        var settings = With(("Database:Provider", "PostgreSQL"), ("ConnectionStrings:Default", await cluster.CreateDatabaseAsync("bench")));
        await using var app = await AppUnderTest.StartAsync(appDll, settings, cancellationToken);
        using var client = await ResumableClient.RegisterAsync(app.BaseAddress, "bench@bench.local", Password, cancellationToken);
        var target = new Target("ChunkUploader, PostgreSQL", client, app.ProcessId, IsApp: true);
        await WarmUpAsync(target);
        var file = BenchFile.Random(sizes.BigFileBytes, BenchSizes.MiB, "big.bin");
        Versus(await Run("pg", $"{oneMiBChunks}, PostgreSQL", () => scenarios.OneFileAsync(oneMiBChunks, target, file)), oneMiBApp);
        Versus(await Run("pg", $"{Probes}, PostgreSQL", () => scenarios.ProbesAsync(Probes, target, sizes.ProbeDuration, sizes.ProbeConcurrency)), appProbes);
        Versus(await Run("pg", $"{smallFilesScenario}, PostgreSQL", () => scenarios.SmallFilesAsync(smallFilesScenario, target, SmallFiles(sizes.SmallFiles, "photo"))), appSmall);
        if (profile) await ProfileAsync(app, target, "pg-");
        errorLines += app.ErrorLines;
    }
    finally
    {
        await cluster.StopAsync();
    }
}

// The first requests after a start pay for JIT and EF Core's query compilation (~0.4 s for the first chunks), and for
// about half a minute under load afterwards the runtime's tiered compilation recompiles thousands of hot methods in the
// background (a third to a half of the app's CPU in each early round here). Rounds of every request kind (an upload and
// its verification, a small file, probes) until that thread is nearly idle keep this start-up cost out of the
// measurements: a server is measured as it runs for hours, not in its first minute.
async Task WarmUpAsync(params Target[] targets)
{
    foreach (var target in targets)
        await WarmUntilSettledAsync(target.Name, target.ProcessId, async () =>
        {
            var file = BenchFile.Random(8 * BenchSizes.MiB, BenchSizes.MiB, "warm-up.bin");
            var run = await target.Client.UploadAsync(file, BenchSizes.InFlight, cancellationToken);
            if (target.IsApp && run.UploadId is { } id) await target.Client.WaitForSha256Async(id, TimeSpan.FromSeconds(30), cancellationToken);
            var small = BenchFile.Random(sizes.SmallFileBytes, BenchSizes.MiB, "warm-up.jpg");
            await target.Client.UploadAsync(small, BenchSizes.InFlight, cancellationToken);
            for (var n = 0; n < 200; n++) await target.Client.ProbeAsync(small, 1, cancellationToken);
        });
}

// Many users at once take code paths one user never does (a hundred connections, their flow control, more threads),
// which the runtime compiles and tiers up in their first seconds: every user sends one file at once, until that settles.
Task WarmUpManyAsync(IReadOnlyList<Target> users) =>
    WarmUntilSettledAsync($"{users.Count} users", users[0].ProcessId, () => Task.WhenAll(users.Select(user =>
        user.Client.UploadAsync(BenchFile.Random(sizes.UserFileBytes, BenchSizes.MiB, "warm-up.bin"), BenchSizes.InFlight, cancellationToken))));

async Task WarmUntilSettledAsync(string name, int processId, Func<Task> round)
{
    const int maxRounds = 90;
    Console.Write($"Warming up {name} (not measured) … ");
    var (rounds, quietRounds, jitShare) = (0, 0, 0.0);
    for (; quietRounds < 2 && rounds < maxRounds; rounds++)
    {
        var (cpuBefore, jitBefore) = (ProcessIo.CpuTime(processId), ProcessIo.ThreadCpuTimes(processId, TieredCompilationThread));
        await round();
        var (cpu, jitAfter) = (ProcessIo.CpuTime(processId) - cpuBefore, ProcessIo.ThreadCpuTimes(processId, TieredCompilationThread));
        jitShare = jitAfter.Sum(thread => (thread.Value - jitBefore.GetValueOrDefault(thread.Key)).TotalMilliseconds) / cpu.TotalMilliseconds;
        // The runtime ends its compiler thread after a few idle seconds and starts another when work comes: a round in
        // which one ended took that thread's work out of the count (so that PostgreSQL rounds once "settled" after 3
        // rounds with hot methods still instrumented, and probes ran at a third of their speed). Such a round is not quiet.
        var ended = jitBefore.Keys.Any(thread => !jitAfter.ContainsKey(thread));
        quietRounds = rounds >= 2 && !ended && jitShare <= 0.02 ? quietRounds + 1 : 0;
    }
    warmUpRounds.Add($"{name} {rounds}");
    Console.WriteLine($"{rounds} rounds, the last with {jitShare:P0} of the CPU in the JIT");
}

// On PostgreSQL (prefix "pg-") the same three scenarios are profiled whatever --only names.
async Task ProfileAsync(AppUnderTest app, Target appTarget, string prefix = "", IReadOnlyList<Target>? users = null)
{
    bool Profiled(string key) => prefix.Length > 0 || Wanted(key);
    var folder = ProfileFolder();
    var big = BenchFile.Random(Math.Min(sizes.BigFileBytes, 64 * BenchSizes.MiB), BenchSizes.MiB, "profiled.bin");
    var small = SmallFiles(200, "profiled");
    foreach (var tool in Profiler.Tools)
    {
        Console.WriteLine($"Profiling with {tool} into {Path.GetRelativePath(repository, folder)}");
        if (Profiled("1mib"))
            await ProfiledAsync(tool, $"{prefix}chunks-1mib", () => scenarios.OneFileAsync("profiled", appTarget, big.Again()));
        if (Profiled("probe"))
            await ProfiledAsync(tool, $"{prefix}probes", () => scenarios.ProbesAsync("profiled", appTarget, sizes.ProbeDuration, sizes.ProbeConcurrency));
        if (Profiled("small"))
            await ProfiledAsync(tool, $"{prefix}small-files", () => scenarios.SmallFilesAsync("profiled", appTarget, small.Select(f => f.Again()).ToList()));
        if (users is { Count: > 0 })
            await ProfiledAsync(tool, $"{prefix}many-users", () => scenarios.ManyUsersAsync("profiled", users, sizes.FilesPerUser, sizes.UserFileBytes));
    }

    // Reset as before a measured row, so that the profile shows the same work, not the VM's memory.
    async Task ProfiledAsync(string tool, string name, Func<Task<ResultRow>> scenario)
    {
        PageCacheReset.Run();
        await using (await Profiler.AttachAsync(tool, app.ProcessId, folder, name, cancellationToken))
            await scenario();
    }
}

// Files of the small-file size, one chunk each, named like a camera's: prefix-0000.jpg, prefix-0001.jpg …
List<BenchFile> SmallFiles(int count, string prefix) =>
    Enumerable.Range(0, count).Select(n => BenchFile.Random(sizes.SmallFileBytes, BenchSizes.MiB, $"{prefix}-{n:0000}.jpg")).ToList();

string ProfileFolder() => Path.Combine(repository, "bench", "results", $"profile-{DateTime.UtcNow:yyyy-MM-dd}");

string Report()
{
    var text = new StringBuilder();
    text.AppendLine($"# Benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC ({sizes.Mode} run)");
    text.AppendLine();
    text.AppendLine($"`dotnet run -c Release --project ChunkUploader.Benchmarks{(sizes == BenchSizes.Quick ? " -- --quick" : "")}` on {Environment.ProcessorCount} cores, " +
                    $"{RuntimeInformation.OSDescription}, .NET {Environment.Version}. The app is published in Release and runs in Production as a child process on " +
                    "127.0.0.1 with its own SQLite database and storage, default configuration (durable writes on) but for generous rate limits; " +
                    "the bare baseline is Kestrel inside the benchmark streaming each chunk's file part to its offset (no fsync; a second one also flushes every chunk). " +
                    $"One client for all: a testChunks GET then a multipart POST (with `X-Chunk-Checksum`) per chunk, {BenchSizes.InFlight} in flight.");
    text.AppendLine();
    text.AppendLine(ResultTable.Markdown(rows));
    text.AppendLine("- Rate: MiB/s from the first probe to the last chunk's answer; files/s; probe req/s over a fixed time. " +
                    $"The 256 MiB, probe and small-file scenarios ran {sizes.Rounds} rounds, every target in turn in each round, and each row is that target's median round (its note lists every round's rate); the other rows ran once.");
    text.AppendLine("- bare Kestrel, fsync per chunk: the same bare receiver, flushing each chunk to disk before answering (and the folder when the chunk created the file), as the app does with durable writes; the app's note gives its rate as a multiple of this one, the distance that is not the disk's.");
    text.AppendLine("- Ratio: to the bare baseline of the same scenario in this run (the many-users and no-fsync rows: to the bare 1 MiB row; the bigger file's: to the app's 256 MiB row, since its target is not to grow with the size; the page row: to the bare small-files row, an HTTP client rather than a browser; the PostgreSQL rows: to the same scenario's SQLite row).");
    text.AppendLine("- tus-node-server rows: @tus/server 2.4.5 with @tus/file-store 2.1.1 (pinned in bench/tus) under Node.js on the same machine; the client creates " +
                    "the upload and sends its chunks as PATCHes one after another (core tus has no chunks in flight side by side); no checksum header, no fsync; the CPU, memory and writes are the node process's, and the stored file's SHA-256 is checked.");
    text.AppendLine("- Flask rows: the guide's Flask receiver as described there (bench/flask/receiver.py: each chunk its own file, the probe asks whether it exists, " +
                    "the request that finds every chunk present joins them) under Debian's gunicorn, 2 worker processes of 4 threads; the same client, anonymous " +
                    "(no sign-in, no antiforgery, no checksum check, no fsync, no database); a chunk is written under a temporary name and renamed and only one " +
                    "request joins a file, which the guide's sample needs to store the right bytes with 3 requests in flight. CPU, writes and memory are gunicorn's " +
                    "three processes' together (memory: the sum of their peaks); every stored file's SHA-256 is checked.");
    text.AppendLine("- PostgreSQL rows: the app with `Database:Provider=PostgreSQL` on a throwaway local cluster (initdb, its default durable settings, fsync on) on the same machine; the CPU and memory figures are the app's only, not the database server's.");
    text.AppendLine("- The page row: a folder of small files chosen in the upload page's folder input in headless Chromium (Playwright), signed in through the login page; " +
                    "files/s from handing the folder over to the batch summary reading \"N of N files done\", both timed in the page. The note gives the longest " +
                    "main-thread task from the input's change event on (PerformanceObserver 'longtask'), the most list rows in the DOM at once, and, apart, the task in " +
                    "which Chromium built the file list before handing it over. CPU ms per file is the app's; the browser's is not counted.");
    text.AppendLine("- Chunk latencies are of the POSTs; the final chunk is the POST answered last, which completes the file. Before the first " +
                    "scenario the bare receiver and each app receive unmeasured warm-up rounds (an 8 MiB file in 1 MiB chunks and its verification, one small file, " +
                    "200 probes), and before the many-users row every user one file at once, until the runtime's tiered-compilation threads used at most 2 % of the process's CPU in two rounds in a row (a round in which such a thread ended does not count), so the figures are " +
                    $"of a process in its steady state, not of JIT and query compilation (rounds: {string.Join(", ", warmUpRounds)}); tus-node-server and the Flask sample get none.");
    text.AppendLine("- CPU ms per unit: user + system CPU of the receiving process (/proc/<pid>/stat) per MiB, probe or file; it does not drift with the " +
                    "machine's load as rates do. The bare baseline runs inside the benchmark, so its figure includes the client's CPU.");
    text.AppendLine($"- Peak RSS: VmHWM of the app process over the scenario ({(peakResets ? "reset before each scenario through clear_refs" : "not resettable here: the peak so far")}).");
    text.AppendLine("- Written / payload byte: write_bytes of /proc/<pid>/io over the scenario, including assembly, hashing and the database, divided by the bytes uploaded.");
    text.AppendLine(PageCacheReset.IsAvailable
        ? $"- Before each measured row the kernel's page cache was written out and dropped and 4.5 GiB of memory touched and freed ({resetTime.TotalSeconds:0} s in all, not measured), so that every row writes into recently used memory rather than pages the virtual machine's host has taken back (PageCacheReset says why)."
        : "- The page cache was not reset between rows (not root): rows may differ by whether their writes met memory the virtual machine's host had taken back (PageCacheReset says why).");
    text.AppendLine($"- App log lines at Error or above during the run: {errorLines}.");
    text.AppendLine($"- Load average (1, 5, 15 min) of the shared machine: {loadBefore} before the run, {LoadAverage()} after.");
    return text.ToString();
}

static string LoadAverage() => string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

static string RepositoryRoot()
{
    for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        if (File.Exists(Path.Combine(folder.FullName, "ChunkUploader.sln"))) return folder.FullName;
    throw new InvalidOperationException("Run the benchmark from the repository (ChunkUploader.sln not found above it).");
}

// The app as it is deployed (README, Operations): published, so that static files and their endpoints are the
// deployment's, not a build output's development fallback (a route that looks on disk for every request's path).
static async Task<string> PublishedAppAsync(string repository, CancellationToken cancellationToken)
{
    var output = Path.Combine(repository, "ChunkUploader.Benchmarks", "bin", "published-app");
    Console.WriteLine($"Publishing ChunkUploader.Web in Release to {output} …");
    using var publish = Process.Start(new ProcessStartInfo("dotnet", ["publish", "-c", "Release", "--nologo", "-v", "quiet", "-o", output, Path.Combine(repository, "ChunkUploader.Web")]))!;
    await publish.WaitForExitAsync(cancellationToken);
    var dll = Path.Combine(output, "ChunkUploader.Web.dll");
    return publish.ExitCode == 0 && File.Exists(dll) ? dll : throw new InvalidOperationException("dotnet publish -c Release of ChunkUploader.Web failed.");
}

