package dev.sluice.log.embedded;

import dev.sluice.log.Ids;
import dev.sluice.log.Record;
import dev.sluice.log.RecordView;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The record a {@link BatchReader} is at, decoded in place (docs/log-format.md §3): its fields'
 * places in the verified batch are found and checked, and a key, an id or a whole {@link Record}
 * is built only when asked for. Moved from record to record with {@link #at}, so a read of a
 * thousand records makes one.
 */
final class RecordCursor implements RecordView {
  private ByteBuffer body;
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
  private int contentFrom;

  /**
   * Places the cursor on the reader's current record, checking what {@link BatchReader#decode}
   * checks: known flags, an id present unless generated, fields that fill the record exactly.
   *
   * @throws Varints.Malformed if the record is not well formed
   */
  RecordCursor at(BatchReader reader) {
    body = reader.body();
    partition = reader.partition();
    offset = reader.offset();
    contentFrom = reader.contentStart();
    body.position(contentFrom);
    flags = body.get() & 0xff;
    if ((flags & ~LogFormat.FLAGS_KNOWN) != 0) {
      throw new Varints.Malformed("unknown record flags " + flags);
    }
    timeMs = body.getLong();
    keyLength = length(body);
    keyFrom = skip(body, keyLength);
    idLength = length(body);
    idFrom = skip(body, idLength);
    if (idGenerated() != (idLength == 0)) {
      throw new Varints.Malformed("id flag disagrees with id");
    }
    causeCount = Varints.getInt(body);
    if (causeCount < 0) {
      throw new Varints.Malformed("negative cause count");
    }
    causesFrom = body.position();
    for (int i = 0; i < causeCount; i++) {
      skip(body, length(body));
    }
    valueLength = length(body);
    valueFrom = skip(body, valueLength);
    chainFrom = body.position();
    if (chainFrom + LogFormat.CHAIN_BYTES != reader.recordEnd()) {
      throw new Varints.Malformed("record size disagrees with its fields");
    }
    return this;
  }

  private static int length(ByteBuffer b) {
    int n = Varints.getInt(b);
    if (n < 0 || n > b.remaining()) {
      throw new Varints.Malformed("field runs past the record");
    }
    return n;
  }

  /** Passes over {@code n} bytes; returns where they start. */
  private static int skip(ByteBuffer b, int n) {
    int from = b.position();
    b.position(from + n);
    return from;
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
    return body.array();
  }

  @Override
  public int valueFrom() {
    return body.arrayOffset() + valueFrom;
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
    ByteBuffer b = body.duplicate().position(causesFrom);
    for (int i = 0; i < causeCount; i++) {
      int n = Varints.getInt(b);
      causes.add(string(b.position(), n));
      b.position(b.position() + n);
    }
    return List.copyOf(causes);
  }

  @Override
  public Record record() {
    byte[] value = new byte[valueLength];
    body.get(valueFrom, value);
    return new Record(partition, offset, key(), id(), timeMs, causes(), delete(), value);
  }

  /** The chain hash stored with the record. */
  byte[] chain() {
    byte[] chain = new byte[LogFormat.CHAIN_BYTES];
    body.get(chainFrom, chain);
    return chain;
  }

  /** Where the bytes a chain hash covers start in the body: the flags. */
  int contentFrom() {
    return contentFrom;
  }

  /** How many bytes the chain hash covers: flags through the value. */
  int contentLength() {
    return chainFrom - contentFrom;
  }

  private String string(int from, int length) {
    return new String(body.array(), body.arrayOffset() + from, length, StandardCharsets.UTF_8);
  }
}
