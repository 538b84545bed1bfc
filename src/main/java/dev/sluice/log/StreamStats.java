package dev.sluice.log;

/**
 * What {@code GET /streams} shows of one stream: end offsets per partition, events, and bytes.
 *
 * @param events the events in the stream; where offsets are dense (the embedded log) the sum of the
 *     end offsets, on Kafka a count, since commit markers take offsets too
 */
public record StreamStats(StreamSpec spec, long[] endOffsets, long events, long sizeBytes) {

  /** The stats of a log whose offsets are dense: the ends count the events. */
  public StreamStats(StreamSpec spec, long[] endOffsets, long sizeBytes) {
    this(spec, endOffsets, sum(endOffsets), sizeBytes);
  }

  private static long sum(long[] ends) {
    long total = 0;
    for (long end : ends) {
      total += end;
    }
    return total;
  }
}
