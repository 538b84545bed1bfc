package dev.sluice.log.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Constants of the on-disk format. docs/log-format.md is the specification: every constant here
 * names the section of that page it implements.
 */
final class LogFormat {
  private LogFormat() {}

  /** §1 Segment header: the first 8 bytes of every segment file. */
  static final byte[] SEGMENT_MAGIC = "SLUICESG".getBytes(StandardCharsets.US_ASCII);

  /** §1 and §4: the format version of segments and index files. */
  static final short VERSION = 1;

  /** §1: fixed part of the segment header before the per-partition entries. */
  static final int SEGMENT_HEADER_FIXED_BYTES = 8 + 2 + 2 + 8 + 8;

  /** §1: bytes per partition in the segment header: base offset (8) and base chain (16). */
  static final int SEGMENT_HEADER_PARTITION_BYTES = 8 + 16;

  /** §2 Batch: the magic byte that starts every batch body. */
  static final byte BATCH_MAGIC = (byte) 0xB1;

  /** §2: length (4) and CRC32C (4) in front of each batch body. */
  static final int BATCH_PREFIX_BYTES = 8;

  /** §2: magic (1), attributes (1), append time (8), record count (4). */
  static final int BATCH_BODY_HEADER_BYTES = 1 + 1 + 8 + 4;

  /**
   * §1: fewer than this many zero bytes may follow a segment's last batch, the padding of the
   * writer's last block-aligned write; recovery truncates them and the audit passes over them.
   */
  static final int PADDING_BYTES_MAX = 64 * 1024;

  /** Reads a file's bytes from a position until {@code dst} is full. */
  interface PositionalRead {
    void readFully(ByteBuffer dst, long position) throws IOException;
  }

  /** §1: whether the bytes from {@code from} to {@code size} are padding: fewer than {@link #PADDING_BYTES_MAX}, all zero. */
  static boolean isPadding(PositionalRead file, long from, long size) throws IOException {
    if (size - from >= PADDING_BYTES_MAX) {
      return false;
    }
    ByteBuffer rest = ByteBuffer.allocate((int) (size - from));
    file.readFully(rest, from);
    for (int i = 0; i < rest.capacity(); i++) {
      if (rest.get(i) != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * §2: the largest batch the reader accepts. A length field above it is damage, not data; it is
   * above the largest request limit that can be configured.
   */
  static final int BATCH_BYTES_MAX = 256 * 1024 * 1024;

  /** §3 Record flags. */
  static final int FLAG_ID_GENERATED = 1;

  static final int FLAG_DELETE = 2;

  static final int FLAGS_KNOWN = FLAG_ID_GENERATED | FLAG_DELETE;

  /** §3 Chain: bytes of the truncated SHA-256 chain hash stored after each record. */
  static final int CHAIN_BYTES = 16;

  /** §4 Index file: first 8 bytes. */
  static final byte[] INDEX_MAGIC = "SLUICEIX".getBytes(StandardCharsets.US_ASCII);

  /** §4: an index file is written in pieces of this size, each fsynced... */
  static final int INDEX_PIECE_BYTES = 128 * 1024;

  /** §4: ...with this pause after each, so that appends' fsyncs never wait behind a whole index. */
  static final long INDEX_PIECE_PAUSE_NANOS = 2_000_000;

  /** §5: file names. */
  static final String SEGMENT_SUFFIX = ".log";

  static final String INDEX_SUFFIX = ".idx";

  static final String META_FILE = "stream.json";

  static String segmentName(long number) {
    return String.format("%020d%s", number, SEGMENT_SUFFIX);
  }

  static String indexName(long number) {
    return String.format("%020d%s", number, INDEX_SUFFIX);
  }
}
