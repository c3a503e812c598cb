using ChunkUploader.Web.Services.Uploads;

namespace ChunkUploader.Tests.Services;

[TestClass]
public sealed class ChunkLayoutTests
{
    [TestMethod]
    [DataRow(10_000L, 1024L, false, 9, 1808L, DisplayName = "default: last chunk absorbs the remainder")]
    [DataRow(10_000L, 1024L, true, 10, 784L, DisplayName = "forced: last chunk is the remainder")]
    [DataRow(10_240L, 1024L, false, 10, 1024L, DisplayName = "exact multiple")]
    [DataRow(500L, 1024L, false, 1, 500L, DisplayName = "smaller than one chunk")]
    [DataRow(500L, 1024L, true, 1, 500L, DisplayName = "smaller than one chunk, forced")]
    [DataRow(0L, 1024L, false, 1, 0L, DisplayName = "empty file is one empty chunk")]
    [DataRow(2047L, 1024L, false, 1, 2047L, DisplayName = "just under two chunks is one chunk")]
    public void Count_and_last_chunk_follow_resumable_js(long total, long chunk, bool force, int count, long lastSize)
    {
        var layout = new ChunkLayout(total, chunk, force);

        Assert.AreEqual(count, layout.ChunkCount);
        Assert.AreEqual(lastSize, layout.SizeOf(count));
        Assert.AreEqual(total, Enumerable.Range(1, count).Sum(n => layout.SizeOf(n)), "chunks cover the file exactly");
    }

    [TestMethod]
    public void The_client_count_picks_the_rule()
    {
        Assert.IsFalse(ChunkLayout.FromClientCount(10_000, 1024, 9)!.Value.ForceChunkSize);
        Assert.IsTrue(ChunkLayout.FromClientCount(10_000, 1024, 10)!.Value.ForceChunkSize);
        Assert.IsNull(ChunkLayout.FromClientCount(10_000, 1024, 8));
    }

    [TestMethod]
    public void When_both_rules_agree_the_default_rule_is_chosen()
    {
        Assert.IsFalse(ChunkLayout.FromClientCount(10_240, 1024, 10)!.Value.ForceChunkSize);
    }
}
