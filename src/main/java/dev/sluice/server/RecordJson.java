package dev.sluice.server;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.sluice.log.Ids;
import dev.sluice.log.Record;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a record as one NDJSON line: the envelope members first, then the stored value's members.
 * The value is stored as a compact JSON object, so its bytes are spliced in rather than parsed again.
 */
public final class RecordJson {
  private static final byte[] KEY = ascii("{\"_key\":");
  private static final byte[] ID = ascii(",\"_id\":");
  private static final byte[] TIME = ascii(",\"_time\":");
  private static final byte[] PARTITION = ascii(",\"_partition\":");
  private static final byte[] OFFSET = ascii(",\"_offset\":");
  private static final byte[] CAUSES = ascii(",\"_causes\":[");
  private static final byte[] DELETE = ascii(",\"_delete\":true");

  private RecordJson() {}

  public static void write(Record record, OutputStream out) throws IOException {
    out.write(KEY);
    string(record.key(), out);
    out.write(ID);
    // A log may leave generated ids implicit: they are a function of the position.
    string(record.id() != null ? record.id() : Ids.generated(record.partition(), record.offset()), out);
    out.write(TIME);
    number(record.timeMs(), out);
    out.write(PARTITION);
    number(record.partition(), out);
    out.write(OFFSET);
    number(record.offset(), out);
    if (!record.causes().isEmpty()) {
      out.write(CAUSES);
      for (int i = 0; i < record.causes().size(); i++) {
        if (i > 0) {
          out.write(',');
        }
        string(record.causes().get(i), out);
      }
      out.write(']');
    }
    if (record.delete()) {
      out.write(DELETE);
    }
    spliceValue(record, out);
    out.write('\n');
  }

  private static void spliceValue(Record record, OutputStream out) throws IOException {
    byte[] value = record.value();
    if (value == null || value.length <= 2) {
      out.write('}');
      return;
    }
    if (value[0] != '{' || value[value.length - 1] != '}') {
      throw new IllegalStateException("the value at partition " + record.partition() + ", offset "
          + record.offset() + " is not a compact JSON object");
    }
    out.write(',');
    out.write(value, 1, value.length - 1);
  }

  private static void string(String text, OutputStream out) throws IOException {
    out.write('"');
    out.write(JsonStringEncoder.getInstance().quoteAsUTF8(text));
    out.write('"');
  }

  private static void number(long n, OutputStream out) throws IOException {
    out.write(ascii(Long.toString(n)));
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
