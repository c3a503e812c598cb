using System.Text;
using ChunkUploader.Tests.Infrastructure;
using ChunkUploader.Web.Logging;

namespace ChunkUploader.Tests.Logging;

[TestClass]
public sealed class BatchedStandardOutputTests
{
    [TestMethod]
    public async Task Lines_written_at_once_from_many_threads_arrive_whole_and_each_thread_in_its_order()
    {
        var sink = new RecordingStream();
        using (var output = new BatchedStandardOutput(sink))
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(thread => Task.Run(() =>
            {
                for (var n = 0; n < 2_000; n++)
                {
                    if (n % 2 == 0) output.Write($"thread {thread} line {n} {new string('x', n % 300)}\n");
                    else output.WriteLine(Encoding.UTF8.GetBytes($"thread {thread} line {n} {new string('y', n % 300)}"));
                }
            })));
        }

        var lines = sink.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(16_000, lines);
        foreach (var thread in Enumerable.Range(0, 8))
        {
            var numbers = lines.Where(l => l.StartsWith($"thread {thread} ")).Select(l => int.Parse(l.Split(' ')[3])).ToList();
            CollectionAssert.AreEqual(Enumerable.Range(0, 2_000).ToList(), numbers, $"thread {thread}'s lines, whole and in order");
        }
        foreach (var line in lines)
        {
            var parts = line.Split(' ');
            Assert.AreEqual(int.Parse(parts[3]) % 300, parts.Length > 4 ? parts[4].Length : 0, $"a line cut or mixed with another: {line}");
        }
    }

    [TestMethod]
    public async Task A_line_reaches_the_output_without_anyone_flushing()
    {
        var sink = new RecordingStream();
        using var output = new BatchedStandardOutput(sink);

        output.Write("{\"Message\":\"é\"}\n");

        await Poll.UntilAsync(() => Task.FromResult(sink.Text.Length > 0), "the timer writes the line", seconds: 10);
        Assert.AreEqual("{\"Message\":\"é\"}\n", sink.Text);
        Assert.AreEqual(1, sink.Writes, "one write for the batch");
    }

    [TestMethod]
    public void Many_lines_gathered_in_one_batch_are_one_write()
    {
        var sink = new RecordingStream();
        using var output = new BatchedStandardOutput(sink);

        for (var n = 0; n < 100; n++) output.Write($"line {n}\n");
        output.Flush();

        Assert.AreEqual(1, sink.Writes);
        Assert.AreEqual(100, sink.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [TestMethod]
    public void Never_more_than_two_buffers_wait_in_memory()
    {
        var sink = new RecordingStream();
        using var output = new BatchedStandardOutput(sink);
        var line = new string('z', 1023) + "\n";

        for (var n = 1; n <= 3 * BatchedStandardOutput.MaxPending / line.Length; n++)
        {
            output.Write(line);
            // At most one batch being written by the timer and one gathering: the writer writes a full buffer itself.
            Assert.IsLessThanOrEqualTo(2L * BatchedStandardOutput.MaxPending, (long)n * line.Length - sink.Length, $"after line {n}");
        }
    }

    [TestMethod]
    public void An_output_that_fails_does_not_fail_the_writer()
    {
        using var output = new BatchedStandardOutput(new RecordingStream { Fails = true });

        output.Write("nobody reads this\n");
        output.Flush();
        output.Write("nor this\n");
    }

    /// <summary>A stream that records what was written to it, and in how many calls.</summary>
    private sealed class RecordingStream : Stream
    {
        private readonly MemoryStream _bytes = new();
        private readonly Lock _gate = new();

        public bool Fails { get; init; }
        public int Writes { get { lock (_gate) return _writes; } }
        public string Text { get { lock (_gate) return Encoding.UTF8.GetString(_bytes.ToArray()); } }
        public override long Length { get { lock (_gate) return _bytes.Length; } }
        private int _writes;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Fails) throw new IOException("Broken pipe");
            lock (_gate)
            {
                _writes++;
                _bytes.Write(buffer);
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Flush() { }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
