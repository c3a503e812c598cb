using System.Buffers;
using System.Text;

namespace ChunkUploader.Web.Logging;

/// <summary>
/// Standard output written in batches: text from any thread is appended to one buffer, and whatever has gathered is
/// written in one call at most <see cref="Delay"/> later. One write per log line (and a wake-up of whoever reads the
/// pipe, journald or a container runtime) was about a fifth of a probe's cost; a line now waits a few milliseconds.
/// </summary>
/// <remarks>
/// Each <c>Write</c> lands whole, so lines written by different threads never interleave. A writer that finds more than
/// <see cref="MaxPending"/> bytes waiting writes them itself: a reader that stops reading slows the app rather than
/// growing its memory. Disposing writes what is left.
/// </remarks>
public sealed class BatchedStandardOutput : TextWriter
{
    public static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(10);
    public const int MaxPending = 1024 * 1024;

    private readonly Stream _output;
    private readonly Lock _gate = new();
    // Held while a batch is written, so that batches reach the output in the order they were taken.
    private readonly Lock _writing = new();
    private readonly Timer _timer;
    private ArrayBufferWriter<byte> _pending = new(64 * 1024);
    private ArrayBufferWriter<byte> _spare = new(64 * 1024);
    private bool _flushScheduled;

    public BatchedStandardOutput(Stream output)
    {
        _output = output;
        _timer = new Timer(_ => Flush(), null, Timeout.Infinite, Timeout.Infinite);
    }

    public override Encoding Encoding { get; } = new UTF8Encoding(false);

    public override void Write(char value) => Write([value]);

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty) return;
        bool full;
        lock (_gate)
        {
            var bytes = _pending.GetSpan(Encoding.GetMaxByteCount(text.Length));
            _pending.Advance(Encoding.GetBytes(text, bytes));
            full = Scheduled();
        }
        if (full) Flush();
    }

    /// <summary>Appends one line already encoded as UTF-8, and its line break.</summary>
    public void WriteLine(ReadOnlySpan<byte> utf8Line)
    {
        bool full;
        lock (_gate)
        {
            var bytes = _pending.GetSpan(utf8Line.Length + 1);
            utf8Line.CopyTo(bytes);
            bytes[utf8Line.Length] = (byte)'\n';
            _pending.Advance(utf8Line.Length + 1);
            full = Scheduled();
        }
        if (full) Flush();
    }

    /// <summary>Arms the timer for a buffer that was empty; says whether the buffer is over its bound.</summary>
    private bool Scheduled()
    {
        if (!_flushScheduled)
        {
            _flushScheduled = true;
            _timer.Change(Delay, Timeout.InfiniteTimeSpan);
        }
        return _pending.WrittenCount > MaxPending;
    }

    public override void Flush()
    {
        lock (_writing)
        {
            ArrayBufferWriter<byte> batch;
            lock (_gate)
            {
                _flushScheduled = false;
                if (_pending.WrittenCount == 0) return;
                batch = _pending;
                _pending = _spare;
                _spare = batch;
            }
            try
            {
                _output.Write(batch.WrittenSpan);
                _output.Flush();
            }
            catch (IOException)
            {
                // Nobody reads standard output any more: there is no one left to tell.
            }
            finally
            {
                // Only this thread touches the spare until the next swap, which waits for the writing lock.
                batch.ResetWrittenCount();
                if (batch.Capacity > MaxPending) lock (_gate) _spare = new ArrayBufferWriter<byte>(64 * 1024);
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _timer.Dispose();
            Flush();
        }
        base.Dispose(disposing);
    }
}
