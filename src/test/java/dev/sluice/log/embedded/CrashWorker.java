package dev.sluice.log.embedded;

import dev.sluice.log.AppendResult;
import dev.sluice.log.Event;
import dev.sluice.log.Position;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * The child JVM of {@link CrashTest}: opens the log, then appends from several threads until it is
 * killed, and prints one line per acknowledgement, flushed before the next append of that thread:
 *
 * <pre>ack P/O/D/ID/CRC ... end</pre>
 *
 * one entry per event of the request: position, duplicate flag (0/1), the client id or {@code -},
 * and the CRC32 of the value in hex. A line without its {@code end} was cut off by the kill.
 *
 * <p>An event with an id has a key and value derived from the id alone, so a retry — of an id of
 * this process, of this request, or of the previous round — sends exactly what the original did.
 */
final class CrashWorker {
  static final String STREAM = "crash";
  static final StreamSpec SPEC = new StreamSpec(STREAM, StreamKind.STREAM, null, 4);
  static final int THREADS = 4;
  private static final int[] REQUEST_SIZES = {1, 1, 1, 2, 3, 10, 50};

  private CrashWorker() {}

  static EmbeddedLog.Options options() {
    // Small segments, so that kills also land while segments roll.
    return EmbeddedLog.Options.defaults().withSegmentBytes(64 * 1024);
  }

  /** Arguments: data folder, round, seed. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int round = Integer.parseInt(args[1]);
    long seed = Long.parseLong(args[2]);
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    EmbeddedLog log = EmbeddedLog.open(dir, options());
    log.create(SPEC, true);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      threads.add(Thread.ofPlatform().start(() -> appendUntilKilled(log, out, round, thread, new Random(seed + thread))));
    }
    for (Thread thread : threads) {
      thread.join();
    }
  }

  private static void appendUntilKilled(EmbeddedLog log, PrintStream out, int round, int thread, Random random) {
    List<String> sent = new ArrayList<>();
    for (int i = 0; ; i++) {
      List<Event> request = new ArrayList<>();
      int size = REQUEST_SIZES[random.nextInt(REQUEST_SIZES.length)];
      for (int j = 0; j < size; j++) {
        double kind = random.nextDouble();
        if (kind < 0.3) {
          String tag = "r" + round + "-t" + thread + "-" + i + "-" + j + "-anonymous";
          String value = "{\"tag\":\"" + tag + "\",\"pad\":\"" + "y".repeat(random.nextInt(200)) + "\"}";
          request.add(Fixtures.event("k" + random.nextInt(40), null, value));
        } else {
          String fresh = "r" + round + "-t" + thread + "-" + i + "-" + j;
          String id;
          if (kind < 0.85) {
            id = fresh;
          } else if (round > 0 && (sent.isEmpty() || random.nextBoolean())) {
            id = "r" + (round - 1) + "-t" + thread + "-" + random.nextInt(20) + "-0";
          } else {
            id = sent.isEmpty() ? fresh : sent.get(random.nextInt(sent.size()));
          }
          if (id.equals(fresh)) {
            sent.add(id);
          }
          request.add(eventWithId(id));
        }
      }
      AppendResult result;
      try {
        result = log.append(STREAM, request).get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        e.printStackTrace();
        System.exit(3); // the parent sees the child end by itself and fails
        return;
      }
      String line = acknowledgement(request, result);
      synchronized (out) {
        out.println(line);
        out.flush();
      }
    }
  }

  static Event eventWithId(String id) {
    int hash = id.hashCode();
    String value = "{\"id\":\"" + id + "\",\"pad\":\"" + "x".repeat(Math.floorMod(hash * 31, 200)) + "\"}";
    return Fixtures.event("k" + Math.floorMod(hash, 40), id, value);
  }

  private static String acknowledgement(List<Event> request, AppendResult result) {
    StringBuilder line = new StringBuilder("ack");
    for (int i = 0; i < request.size(); i++) {
      Position at = result.positions().get(i);
      Event e = request.get(i);
      line.append(' ').append(at.partition()).append('/').append(at.offset()).append('/')
          .append(at.duplicate() ? 1 : 0).append('/').append(e.id() == null ? "-" : e.id())
          .append('/').append(crc(e.value()));
    }
    return line.append(" end").toString();
  }

  static String crc(byte[] bytes) {
    CRC32 crc = new CRC32();
    crc.update(bytes);
    return Long.toHexString(crc.getValue());
  }
}
