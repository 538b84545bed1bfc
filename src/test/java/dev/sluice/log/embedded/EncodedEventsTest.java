package dev.sluice.log.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.Event;
import dev.sluice.log.Partitioner;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/**
 * A batch the writer puts together from contents the appending thread laid out is, byte for byte,
 * the batch docs/log-format.md §2–§3 defines, encoded here independently, field by field.
 */
class EncodedEventsTest {

  /** An event of the request, and whether the writer skips it (a duplicate, answered without a record). */
  record Planned(Event event, boolean skipped) {}

  @Property(tries = 300)
  void aBatchIsByteForByteTheRecordsTheFormatDefines(
      @ForAll("requests") List<Planned> request,
      @ForAll @IntRange(min = 1, max = 9) int partitions,
      @ForAll @LongRange(min = 0, max = 1L << 42) long firstOffset,
      @ForAll @Size(16) byte[] firstChain,
      @ForAll long appendTimeMs,
      @ForAll @IntRange(max = 100) int spareBytes,
      @ForAll byte junk) throws Exception {
    List<Event> events = request.stream().map(Planned::event).toList();
    long defaultTimeMs = appendTimeMs ^ 0x5a5a;

    // An array used before holds other bytes, and may be longer than the contents.
    EncodedEvents encoded = EncodedEvents.of(events, partitions, defaultTimeMs, bytes -> {
      byte[] used = new byte[bytes + spareBytes];
      Arrays.fill(used, junk);
      return used;
    });
    BatchWriter writer = new BatchWriter();
    writer.begin(appendTimeMs);
    long[] offsets = new long[partitions];
    byte[][] chains = new byte[partitions][];
    for (int p = 0; p < partitions; p++) {
      offsets[p] = firstOffset + p * 1000L;
      chains[p] = firstChain.clone();
      chains[p][0] += (byte) p;
    }
    long[] expectedOffsets = offsets.clone();
    byte[][] expectedChains = Arrays.stream(chains).map(byte[]::clone).toArray(byte[][]::new);
    for (int i = 0; i < events.size(); i++) {
      assertThat(encoded.partition(i)).isEqualTo(Partitioner.partition(events.get(i).key(), partitions));
      assertThat(encoded.id(i)).isEqualTo(events.get(i).id());
      if (!request.get(i).skipped()) {
        int p = encoded.partition(i);
        writer.add(p, offsets[p]++, encoded, i, chains[p]);
      }
    }
    ByteBuffer written = writer.finish();
    byte[] actual = new byte[written.remaining()];
    written.get(actual);

    byte[] expected = batch(request, partitions, defaultTimeMs, appendTimeMs, expectedOffsets, expectedChains);
    assertThat(actual).isEqualTo(expected);
    assertThat(chains).isDeepEqualTo(expectedChains);
    assertThat(BatchReader.verify(ByteBuffer.wrap(actual))).isNull();
  }

  @Provide
  Arbitrary<List<Planned>> requests() {
    Arbitrary<String> text = Arbitraries.oneOf(
        Arbitraries.strings().ascii().ofMaxLength(30),
        Arbitraries.strings().all().ofMaxLength(30),
        Arbitraries.of("a\uD800b", "\uDC00", "\uD83D\uDE00", "\uD83D", "é", "中文", "x\uDFFF\uD800"));
    Arbitrary<String> id = text.filter(s -> !s.isEmpty());
    Arbitrary<byte[]> value = Arbitraries.oneOf(
        Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
        Arbitraries.bytes().array(byte[].class).ofMinSize(16_384).ofMaxSize(20_000));
    Arbitrary<Event> event = Combinators.combine(
            text,
            id.injectNull(0.5),
            Arbitraries.longs().injectNull(0.5),
            id.list().ofMaxSize(4),
            Arbitraries.of(true, false),
            value)
        .as(Event::new);
    return Combinators.combine(event, Arbitraries.integers().between(0, 4).map(x -> x == 0))
        .as(Planned::new)
        .list()
        .ofMaxSize(40);
  }

  /** The batch of docs/log-format.md §2: the request's records that are not skipped, in request order. */
  private static byte[] batch(
      List<Planned> request, int partitions, long defaultTimeMs, long appendTimeMs, long[] offsets, byte[][] chains)
      throws Exception {
    ByteArrayOutputStream records = new ByteArrayOutputStream();
    int count = 0;
    for (Planned planned : request) {
      if (planned.skipped()) {
        continue;
      }
      Event e = planned.event();
      int p = Partitioner.partition(e.key(), partitions);
      long offset = offsets[p]++;
      byte[] content = content(e, defaultTimeMs);
      byte[] digest = Arrays.copyOf(sha256(content), 16);
      ByteArrayOutputStream chained = new ByteArrayOutputStream();
      chained.write(chains[p]);
      varint(chained, p);
      varint(chained, offset);
      chained.write(digest);
      chains[p] = Arrays.copyOf(sha256(chained.toByteArray()), 16);

      ByteArrayOutputStream fields = new ByteArrayOutputStream();
      varint(fields, p);
      varint(fields, offset);
      fields.write(content);
      fields.write(chains[p]);
      varint(records, fields.size());
      fields.writeTo(records);
      count++;
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    DataOutputStream b = new DataOutputStream(body);
    b.writeByte(0xB1);
    b.writeByte(0);
    b.writeLong(appendTimeMs);
    b.writeInt(count);
    records.writeTo(b);
    CRC32C crc = new CRC32C();
    crc.update(body.toByteArray());
    ByteArrayOutputStream whole = new ByteArrayOutputStream();
    DataOutputStream w = new DataOutputStream(whole);
    w.writeInt(4 + body.size());
    w.writeInt((int) crc.getValue());
    body.writeTo(w);
    return whole.toByteArray();
  }

  /** flags:u8 time_ms:i64 key:string id:string cause_count:varint cause:string{cause_count} value:bytes */
  private static byte[] content(Event e, long defaultTimeMs) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(out);
    d.writeByte((e.id() == null ? 1 : 0) | (e.delete() ? 2 : 0));
    d.writeLong(e.timeMs() == null ? defaultTimeMs : e.timeMs());
    string(out, e.key());
    string(out, e.id() == null ? "" : e.id());
    varint(out, e.causes().size());
    for (String cause : e.causes()) {
      string(out, cause);
    }
    varint(out, e.value().length);
    out.write(e.value());
    return out.toByteArray();
  }

  private static void string(ByteArrayOutputStream out, String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    varint(out, utf8.length);
    out.writeBytes(utf8);
  }

  private static void varint(ByteArrayOutputStream out, long value) {
    while (value >= 0x80) {
      out.write((int) (value & 0x7f) | 0x80);
      value >>>= 7;
    }
    out.write((int) value);
  }

  private static byte[] sha256(byte[] bytes) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(bytes);
  }
}
