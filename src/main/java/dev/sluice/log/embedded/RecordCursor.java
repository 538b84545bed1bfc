package dev.sluice.log.embedded;

import dev.sluice.log.Ids;
import dev.sluice.log.Record;
import dev.sluice.log.RecordView;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.BufferUnderflowException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The record a {@link BatchReader} is at, decoded in place (docs/log-format.md §3): its fields'
 * places in the verified batch are found and checked, and a key, an id or a whole {@link Record}
 * is built only when asked for. Moved from record to record with {@link #at}, so a read of a
 * thousand records makes one.
 */
final class RecordCursor implements RecordView {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  /**
   * The batch body's backing array. The places of the fields below ({@code ...From}) are indexes in
   * it, not positions in the body: what a visitor is handed needs no translating.
   */
  private byte[] bytes;
  private int partition;
  private long offset;
  private int flags;
  private long timeMs;
  private int keyFrom;
  private int keyLength;
  private int idFrom;
  private int idLength;
  private int causesFrom;
  private int causeCount;
  private int valueFrom;
  private int valueLength;
  private int chainFrom;
  /** Where the content starts as a position in the body, as {@link BatchReader#contentStart} gives it. */
  private int contentFrom;
  /** Where the body starts in {@link #bytes}. */
  private int base;

  /**
   * Places the cursor on the reader's current record, checking what {@link BatchReader#decode}
   * checks: known flags, an id present unless generated, fields that fill the record exactly. The
   * fields are decoded from the body's array with the position in a local; a field's length is
   * checked against the end of the body, and a fixed-size field that would reach past it fails as
   * a buffer's read would, with a {@link BufferUnderflowException}.
   *
   * @throws Varints.Malformed if the record is not well formed
   */
  RecordCursor at(BatchReader reader) {
    byte[] b = reader.array();
    int base = reader.arrayOffset();
    int end = base + reader.limit();
    bytes = b;
    this.base = base;
    partition = reader.partition();
    offset = reader.offset();
    contentFrom = reader.contentStart();
    int i = base + contentFrom;
    if (i >= end) {
      throw new BufferUnderflowException();
    }
    flags = b[i++] & 0xff;
    if ((flags & ~LogFormat.FLAGS_KNOWN) != 0) {
      throw new Varints.Malformed("unknown record flags " + flags);
    }
    if (end - i < 8) {
      throw new BufferUnderflowException();
    }
    timeMs = (long) LONGS.get(b, i);
    i += 8;
    long r = field(b, i, end);
    keyLength = (int) r;
    keyFrom = (int) (r >>> 32);
    i = keyFrom + keyLength;
    r = field(b, i, end);
    idLength = (int) r;
    idFrom = (int) (r >>> 32);
    i = idFrom + idLength;
    if (idGenerated() != (idLength == 0)) {
      throw new Varints.Malformed("id flag disagrees with id");
    }
    r = Varints.getInt(b, i, end);
    causeCount = (int) r;
    i = (int) (r >>> 32);
    if (causeCount < 0) {
      throw new Varints.Malformed("negative cause count");
    }
    causesFrom = i;
    for (int c = 0; c < causeCount; c++) {
      r = field(b, i, end);
      i = (int) (r >>> 32) + (int) r;
    }
    r = field(b, i, end);
    valueLength = (int) r;
    valueFrom = (int) (r >>> 32);
    chainFrom = valueFrom + valueLength;
    if (chainFrom - base + LogFormat.CHAIN_BYTES != reader.recordEnd()) {
      throw new Varints.Malformed("record size disagrees with its fields");
    }
    return this;
  }

  /**
   * Reads a field's length at {@code b[i]}; returns it in the low 32 bits and where the field's
   * bytes start in the high 32, as {@link Varints#getInt(byte[], int, int)} does.
   */
  private static long field(byte[] b, int i, int end) {
    long r = Varints.getInt(b, i, end);
    int n = (int) r;
    if (n < 0 || n > end - (int) (r >>> 32)) {
      throw new Varints.Malformed("field runs past the record");
    }
    return r;
  }

  @Override
  public int partition() {
    return partition;
  }

  @Override
  public long offset() {
    return offset;
  }

  @Override
  public long timeMs() {
    return timeMs;
  }

  @Override
  public boolean delete() {
    return (flags & LogFormat.FLAG_DELETE) != 0;
  }

  @Override
  public byte[] valueArray() {
    return bytes;
  }

  @Override
  public int valueFrom() {
    return valueFrom;
  }

  @Override
  public int valueLength() {
    return valueLength;
  }

  @Override
  public String key() {
    return string(keyFrom, keyLength);
  }

  @Override
  public boolean idGenerated() {
    return (flags & LogFormat.FLAG_ID_GENERATED) != 0;
  }

  @Override
  public String id() {
    return idGenerated() ? Ids.generated(partition, offset) : string(idFrom, idLength);
  }

  @Override
  public List<String> causes() {
    if (causeCount == 0) {
      return List.of();
    }
    List<String> causes = new ArrayList<>(Math.min(causeCount, 64));
    int i = causesFrom;
    for (int c = 0; c < causeCount; c++) {
      // Checked by at(): each cause's length and bytes are there.
      long r = Varints.getInt(bytes, i, bytes.length);
      int n = (int) r;
      i = (int) (r >>> 32);
      causes.add(string(i, n));
      i += n;
    }
    return List.copyOf(causes);
  }

  @Override
  public Record record() {
    return new Record(partition, offset, key(), id(), timeMs, causes(), delete(),
        Arrays.copyOfRange(bytes, valueFrom, valueFrom + valueLength));
  }

  /** The chain hash stored with the record. */
  byte[] chain() {
    return Arrays.copyOfRange(bytes, chainFrom, chainFrom + LogFormat.CHAIN_BYTES);
  }

  /** Where the bytes a chain hash covers start in the body: the flags. */
  int contentFrom() {
    return contentFrom;
  }

  /** How many bytes the chain hash covers: flags through the value. */
  int contentLength() {
    return chainFrom - base - contentFrom;
  }

  private String string(int from, int length) {
    return new String(bytes, from, length, StandardCharsets.UTF_8);
  }
}
