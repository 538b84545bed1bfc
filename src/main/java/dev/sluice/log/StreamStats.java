package dev.sluice.log;

/** What {@code GET /streams} shows of one stream: end offsets per partition and bytes on disk. */
public record StreamStats(StreamSpec spec, long[] endOffsets, long sizeBytes) {
  public long events() {
    long total = 0;
    for (long end : endOffsets) {
      total += end;
    }
    return total;
  }
}
