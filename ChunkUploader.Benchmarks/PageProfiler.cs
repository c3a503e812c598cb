using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace ChunkUploader.Benchmarks;

/// <summary>
/// A Chromium trace of the page through the DevTools protocol (the timeline categories DevTools records) and V8's
/// sampling profiler. On disposal it writes where each busy thread spent its time, by trace event, which JavaScript
/// functions ran longest, and where the main thread's samples fell, by function (self and inclusive): the page's cost
/// per file is as much style, layout, request plumbing and native calls (a Blob slice, an XHR send) as script.
/// </summary>
public sealed class PageProfiler : IAsyncDisposable
{
    private static readonly string[] Categories = ["devtools.timeline", "disabled-by-default-devtools.timeline", "toplevel", "blink", "cc", "viz", "loading"];
    private static readonly string[] Threads = ["CrRendererMain", "Compositor", "VizCompositorThread", "CrBrowserMain"];

    private readonly ICDPSession _session;
    private readonly string _summaryPath;
    private readonly List<JsonElement> _events = [];
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PageProfiler(ICDPSession session, string summaryPath)
    {
        (_session, _summaryPath) = (session, summaryPath);
        session.Event("Tracing.dataCollected").OnEvent += (_, data) =>
        {
            if (data is not { } collected) return;
            lock (_events) _events.AddRange(collected.GetProperty("value").EnumerateArray().Select(e => e.Clone()));
        };
        session.Event("Tracing.tracingComplete").OnEvent += (_, _) => _complete.TrySetResult();
    }

    public static async Task<PageProfiler> StartAsync(IPage page, string summaryPath)
    {
        var profiler = new PageProfiler(await page.Context.NewCDPSessionAsync(page), summaryPath);
        await profiler._session.SendAsync("Tracing.start", new Dictionary<string, object>
        {
            ["traceConfig"] = new Dictionary<string, object> { ["includedCategories"] = Categories },
            ["transferMode"] = "ReportEvents",
        });
        await profiler._session.SendAsync("Profiler.enable");
        await profiler._session.SendAsync("Profiler.setSamplingInterval", new Dictionary<string, object> { ["interval"] = 500 });
        await profiler._session.SendAsync("Profiler.start");
        return profiler;
    }

    public async ValueTask DisposeAsync()
    {
        var samples = await _session.SendAsync("Profiler.stop");
        await _session.SendAsync("Tracing.end");
        await _complete.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await _session.DetachAsync();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_summaryPath))!);
        lock (_events) File.WriteAllText(_summaryPath, Summary(_events) + (samples is { } profile ? Sampled(profile.GetProperty("profile")) : ""));
    }

    /// <summary>The V8 profile's samples by function: self time, then time with the function anywhere on the stack.</summary>
    private static string Sampled(JsonElement profile)
    {
        var nodes = profile.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("id").GetInt32());
        var parents = new Dictionary<int, int>();
        foreach (var node in nodes.Values)
            if (node.TryGetProperty("children", out var children))
                foreach (var child in children.EnumerateArray()) parents[child.GetInt32()] = node.GetProperty("id").GetInt32();
        var self = new Dictionary<string, double>();
        var inclusive = new Dictionary<string, double>();
        var total = 0.0;
        foreach (var (id, micros) in profile.GetProperty("samples").EnumerateArray().Zip(profile.GetProperty("timeDeltas").EnumerateArray(), (s, d) => (s.GetInt32(), d.GetDouble())))
        {
            var ms = Math.Max(micros, 0) / 1000;
            total += ms;
            var leaf = Frame(nodes[id]);
            self[leaf] = self.GetValueOrDefault(leaf) + ms;
            var onStack = new HashSet<string>();
            for (int? at = id; at is { } current; at = parents.TryGetValue(current, out var parent) ? parent : null)
            {
                var frame = Frame(nodes[current]);
                if (onStack.Add(frame)) inclusive[frame] = inclusive.GetValueOrDefault(frame) + ms;
            }
        }
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"\nMain thread, V8 sampling profiler ({total / 1000:0.0} s sampled)\n      ms  self, by function");
        foreach (var (frame, ms) in self.OrderByDescending(f => f.Value).Take(15)) text.AppendLine(CultureInfo.InvariantCulture, $"{ms,8:0}  {frame}");
        text.AppendLine("\n      ms  inclusive, by function");
        foreach (var (frame, ms) in inclusive.Where(f => f.Key != "(root)").OrderByDescending(f => f.Value).Take(15)) text.AppendLine(CultureInfo.InvariantCulture, $"{ms,8:0}  {frame}");
        return text.ToString();
    }

    private static string Frame(JsonElement node)
    {
        var frame = node.GetProperty("callFrame");
        var name = frame.GetProperty("functionName").GetString() is { Length: > 0 } n ? n : "(anonymous)";
        var script = (frame.GetProperty("url").GetString() ?? "").Split('?')[0];
        return script.Length == 0 ? name : $"{name}  {script[(script.LastIndexOf('/') + 1)..]}:{frame.GetProperty("lineNumber").GetInt32() + 1}";
    }

    /// <summary>
    /// Per thread, the trace events with the most time inside them (nested events each count their whole duration, so
    /// the figures overlap: read them as "time spent in", not as shares); then the longest-running JavaScript functions.
    /// </summary>
    private static string Summary(List<JsonElement> events)
    {
        var threadNames = new Dictionary<(int, int), string>();
        foreach (var e in events.Where(e => Phase(e) == "M" && e.GetProperty("name").GetString() == "thread_name"))
            threadNames[Thread(e)] = e.GetProperty("args").GetProperty("name").GetString() ?? "";
        var spans = events.Where(e => Phase(e) == "X" && e.TryGetProperty("dur", out _))
            .Select(e => (Thread: threadNames.GetValueOrDefault(Thread(e), ""), Event: e, Ms: e.GetProperty("dur").GetDouble() / 1000))
            .ToList();
        var stamps = events.Where(e => Phase(e) != "M" && e.TryGetProperty("ts", out _)).Select(e => e.GetProperty("ts").GetDouble()).ToList();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Chromium trace of the page, {(stamps.Count == 0 ? 0 : (stamps.Max() - stamps.Min()) / 1e6):0.0} s");
        foreach (var thread in Threads)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"\n{thread}\n      ms   count  event");
            foreach (var group in spans.Where(s => s.Thread == thread).GroupBy(s => s.Event.GetProperty("name").GetString()).OrderByDescending(g => g.Sum(s => s.Ms)).Take(15))
                text.AppendLine(CultureInfo.InvariantCulture, $"{group.Sum(s => s.Ms),8:0}  {group.Count(),6}  {group.Key}");
        }
        text.AppendLine("\nJavaScript (FunctionCall on CrRendererMain)\n      ms   count  function");
        var calls = spans.Where(s => s.Thread == "CrRendererMain" && s.Event.GetProperty("name").GetString() == "FunctionCall")
            .GroupBy(s => Function(s.Event));
        foreach (var group in calls.OrderByDescending(g => g.Sum(s => s.Ms)).Take(12))
            text.AppendLine(CultureInfo.InvariantCulture, $"{group.Sum(s => s.Ms),8:0}  {group.Count(),6}  {group.Key}");
        return text.ToString();
    }

    private static string? Phase(JsonElement e) => e.TryGetProperty("ph", out var phase) ? phase.GetString() : null;

    private static (int, int) Thread(JsonElement e) => (e.GetProperty("pid").GetInt32(), e.GetProperty("tid").GetInt32());

    private static string Function(JsonElement call)
    {
        if (!call.TryGetProperty("args", out var args) || !args.TryGetProperty("data", out var data)) return "(unknown)";
        var name = data.TryGetProperty("functionName", out var f) && f.GetString() is { Length: > 0 } n ? n : "(anonymous)";
        var url = data.TryGetProperty("url", out var u) ? u.GetString() ?? "" : "";
        var script = url.Split('?')[0];
        var line = data.TryGetProperty("lineNumber", out var l) ? l.GetInt32() + 1 : 0;
        return $"{name}  {script[(script.LastIndexOf('/') + 1)..]}:{line}";
    }
}
