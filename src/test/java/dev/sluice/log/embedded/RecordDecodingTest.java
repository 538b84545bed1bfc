package dev.sluice.log.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.log.Record;
import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * Records decoded from hand-made batch bodies (docs/log-format.md §3): each check of a record's head
 * and fields fails with its own message. Every body lies inside a larger array, behind other bytes
 * and followed by bytes that would read as well-formed fields, so a read past the body's end would
 * show.
 */
class RecordDecodingTest {
  private static final byte[] CHAIN = new byte[LogFormat.CHAIN_BYTES];

  /** Bytes of a record or a body, written field by field. */
  private static final class Bytes {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Bytes varint(long v) {
      while ((v & ~0x7fL) != 0) {
        out.write((int) ((v & 0x7f) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
      return this;
    }

    Bytes raw(int... bytes) {
      for (int b : bytes) {
        out.write(b);
      }
      return this;
    }

    Bytes raw(byte[] bytes) {
      out.writeBytes(bytes);
      return this;
    }

    Bytes u64(long v) {
      return raw(ByteBuffer.allocate(8).putLong(v).array());
    }

    Bytes string(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      return varint(b.length).raw(b);
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }

  /** The content of a record with an id: flags through value. */
  private static Bytes content(int flags, String key, String id, List<String> causes, String value) {
    Bytes c = new Bytes().raw(flags).u64(1_700_000_000_000L).string(key).string(id).varint(causes.size());
    causes.forEach(c::string);
    return c.string(value);
  }

  /** A whole record: size, partition, offset, content, chain. */
  private static byte[] record(int partition, long offset, byte[] content) {
    byte[] fields = new Bytes().varint(partition).varint(offset).raw(content).raw(CHAIN).bytes();
    return new Bytes().varint(fields.length).raw(fields).bytes();
  }

  /**
   * A batch of {@code records} as {@link Segment#readBatch} hands one over: prefix and body, in an
   * array of its own but here with bytes before it and after it.
   */
  private static ByteBuffer batch(int count, byte[]... records) {
    Bytes body = new Bytes().raw(LogFormat.BATCH_MAGIC & 0xff, 0).u64(1_000).raw(ByteBuffer.allocate(4).putInt(count).array());
    for (byte[] r : records) {
      body.raw(r);
    }
    byte[] b = body.bytes();
    CRC32C crc = new CRC32C();
    crc.update(b);
    byte[] prefix = ByteBuffer.allocate(8).putInt(b.length + 4).putInt((int) crc.getValue()).array();
    byte[] before = {0x01, 0x01, 0x01};
    // After the body: bytes that end a varint, and a long run of them, so reading on would succeed.
    byte[] after = new byte[64];
    Arrays.fill(after, (byte) 0x01);
    byte[] all = new Bytes().raw(before).raw(prefix).raw(b).raw(after).bytes();
    return ByteBuffer.wrap(all, before.length, prefix.length + b.length).slice();
  }

  /** Reads the first record of the batch whole, as the read and audit paths do. */
  private static Record readFirst(ByteBuffer batch) {
    BatchReader reader = BatchReader.over(batch);
    assertThat(reader.next()).isTrue();
    return new RecordCursor().at(reader).record();
  }

  private static void assertMalformed(ByteBuffer batch, String message) {
    assertThatThrownBy(() -> readFirst(batch)).isInstanceOf(Varints.Malformed.class).hasMessage(message);
  }

  @Test
  void aSoundRecordInsideALargerArrayIsDecodedAndItsValueFoundThere() {
    byte[] content = content(LogFormat.FLAG_DELETE, "k1", "id-1", List.of("c1", "c22"), "{\"a\":1}").bytes();
    // Over 127 bytes: its size takes two bytes.
    String longValue = "{\"b\":\"" + "y".repeat(200) + "\"}";
    byte[] second = content(LogFormat.FLAG_ID_GENERATED, "k2", "", List.of(), longValue).bytes();
    ByteBuffer batch = batch(2, record(3, 300, content), record(1, 70_000, second));
    assertThat(BatchReader.verify(batch)).isNull();

    BatchReader reader = BatchReader.over(batch);
    RecordCursor cursor = new RecordCursor();
    assertThat(reader.next()).isTrue();
    cursor.at(reader);
    assertThat(cursor.partition()).isEqualTo(3);
    assertThat(cursor.offset()).isEqualTo(300);
    assertThat(cursor.timeMs()).isEqualTo(1_700_000_000_000L);
    assertThat(cursor.delete()).isTrue();
    assertThat(cursor.idGenerated()).isFalse();
    assertThat(cursor.key()).isEqualTo("k1");
    assertThat(cursor.id()).isEqualTo("id-1");
    assertThat(cursor.causes()).containsExactly("c1", "c22");
    assertThat(new String(cursor.valueArray(), cursor.valueFrom(), cursor.valueLength(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
    assertThat(cursor.record().value()).isEqualTo("{\"a\":1}".getBytes(StandardCharsets.UTF_8));
    assertThat(cursor.chain()).isEqualTo(CHAIN);
    assertThat(cursor.contentLength()).isEqualTo(content.length);
    byte[] covered = new byte[cursor.contentLength()];
    reader.body().get(cursor.contentFrom(), covered);
    assertThat(covered).isEqualTo(content);

    int firstStart = reader.recordStart();
    assertThat(reader.next()).isTrue();
    cursor.at(reader);
    assertThat(cursor.offset()).isEqualTo(70_000);
    assertThat(cursor.idGenerated()).isTrue();
    assertThat(cursor.id()).isEqualTo("@1.70000");
    assertThat(cursor.causes()).isEmpty();
    assertThat(new String(cursor.valueArray(), cursor.valueFrom(), cursor.valueLength(), StandardCharsets.UTF_8)).isEqualTo(longValue);
    assertThat(reader.next()).isFalse();

    reader.at(firstStart);
    assertThat(reader.offset()).isEqualTo(300);
    assertThat(reader.recordsLeft()).isZero();
  }

  @Test
  void eachCheckOfARecordFailsWithItsMessage() {
    byte[] good = content(0, "k", "id", List.of(), "{}").bytes();

    assertMalformed(batch(1, record(0, 0, content(4, "k", "id", List.of(), "{}").bytes())), "unknown record flags 4");
    assertMalformed(batch(1, record(0, 0, content(LogFormat.FLAG_ID_GENERATED, "k", "id", List.of(), "{}").bytes())),
        "id flag disagrees with id");
    assertMalformed(batch(1, record(0, 0, content(0, "k", "", List.of(), "{}").bytes())), "id flag disagrees with id");
    // One byte more in the record than its fields take.
    assertMalformed(batch(1, record(0, 0, new Bytes().raw(good).raw(0).bytes())), "record size disagrees with its fields");
    // A record whose size reaches past the batch.
    byte[] whole = record(0, 0, good);
    assertMalformed(batch(1, Arrays.copyOf(whole, whole.length - 1)), "record runs past the batch");
    // A value whose length reaches past the body.
    byte[] longValue = new Bytes().raw(0).u64(1).string("k").string("id").varint(0).varint(1_000).raw('x').bytes();
    assertMalformed(batch(1, new Bytes().varint(2 + longValue.length).varint(0).varint(0).raw(longValue).bytes()),
        "field runs past the record");
    // A cause whose length reaches past the body.
    byte[] longCause = new Bytes().raw(0).u64(1).string("k").string("id").varint(1).varint(500).bytes();
    assertMalformed(batch(1, new Bytes().varint(2 + longCause.length).varint(0).varint(0).raw(longCause).bytes()),
        "field runs past the record");
    // A key length that is negative as an int.
    byte[] negativeKey = new Bytes().raw(0).u64(1).raw(0xff, 0xff, 0xff, 0xff, 0x0f).bytes();
    assertMalformed(batch(1, new Bytes().varint(2 + negativeKey.length).varint(0).varint(0).raw(negativeKey).bytes()),
        "negative length");
  }

  @Test
  void eachCheckOfARecordHeadFailsWithItsMessage() {
    assertMalformed(batch(1, new Bytes().raw(0x80, 0x80, 0x80, 0x80, 0x80, 0x01).bytes()), "varint longer than 5 bytes");
    assertMalformed(batch(1, new Bytes().raw(0x80, 0x80).bytes()), "varint runs past the end");
    assertMalformed(batch(1), "varint runs past the end");
    assertMalformed(batch(1, new Bytes().raw(0xff, 0xff, 0xff, 0xff, 0x0f).bytes()), "negative length");
    // A partition that runs past the end of the body.
    assertMalformed(batch(1, new Bytes().varint(1).raw(0x80).bytes()), "varint runs past the end");
    byte[] elevenBytes = new byte[11];
    Arrays.fill(elevenBytes, (byte) 0x80);
    elevenBytes[10] = 0x01;
    assertMalformed(batch(1, new Bytes().varint(12).varint(0).raw(elevenBytes).bytes()), "varint longer than 10 bytes");
    byte[] negative = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01};
    assertMalformed(batch(1, new Bytes().varint(11).varint(0).raw(negative).bytes()), "negative value");
  }

  @Test
  void aRecordEndingBeforeItsFixedFieldsFailsAsABufferRead() {
    // The offset ends the body: no flags.
    assertThatThrownBy(() -> readFirst(batch(1, new Bytes().varint(2).varint(0).varint(0).bytes())))
        .isInstanceOf(BufferUnderflowException.class);
    // Flags, then four bytes of the eight of the time.
    assertThatThrownBy(() -> readFirst(batch(1, new Bytes().varint(7).varint(0).varint(0).raw(0, 0, 0, 0, 0).bytes())))
        .isInstanceOf(BufferUnderflowException.class);
  }

  @Test
  void verificationNamesTheMalformedRecord() {
    byte[] whole = record(0, 0, content(0, "k", "id", List.of(), "{}").bytes());

    assertThat(BatchReader.verify(batch(1, Arrays.copyOf(whole, whole.length - 1)))).isEqualTo("malformed record: record runs past the batch");
    assertThat(BatchReader.verify(batch(2, whole))).isEqualTo("malformed record: varint runs past the end");
    assertThat(BatchReader.verify(batch(1, whole, whole))).isEqualTo("records do not fill the batch");
    assertThat(BatchReader.verify(batch(1, whole))).isNull();
    assertThat(BatchReader.verify(batch(-1, whole))).isEqualTo("negative record count");
  }

  /**
   * A reader that checks the checksum alone and walks the records while it indexes them ({@link
   * RecentBatches.Kept#of}) finds every batch sound or not as {@link BatchReader#verify} does, and
   * says the same of the unsound ones.
   */
  @Test
  void indexingABatchJudgesItsRecordsAsVerificationDoes() {
    byte[] whole = record(0, 0, content(0, "k", "id", List.of(), "{}").bytes());
    List<ByteBuffer> batches = List.of(
        batch(1, Arrays.copyOf(whole, whole.length - 1)), batch(2, whole), batch(1, whole, whole), batch(1, whole),
        batch(-1, whole), batch(Integer.MAX_VALUE, whole), batch(0), batch(0, whole));
    for (ByteBuffer batch : batches) {
      assertThat(BatchReader.verifyChecksum(batch)).isNull();
      String verdict = BatchReader.verify(batch);
      if (verdict == null) {
        assertThat(RecentBatches.Kept.of(batch, 1).starts()).hasSize(BatchReader.declaredRecords(batch));
      } else {
        assertThatThrownBy(() -> RecentBatches.Kept.of(batch, 1)).isInstanceOf(Varints.Malformed.class).hasMessage(verdict);
      }
    }
  }
}
