package dev.sluice.kafka.log;

import dev.sluice.log.AppendResult;
import dev.sluice.log.Event;
import dev.sluice.log.Position;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * The child JVM of {@link KafkaCrashTest}: opens a {@link KafkaLog}, then appends from several
 * threads until it is killed, printing one line per acknowledged request, flushed before the
 * thread's next append:
 *
 * <pre>ack P/O/D/ID/CRC ... end</pre>
 *
 * An event with an id has a key and value derived from the id alone, so a retry of an id (from this
 * round or the one before) sends exactly what the original did.
 */
final class KafkaCrashWorker {
  static final String STREAM = "crash";
  static final StreamSpec SPEC = new StreamSpec(STREAM, StreamKind.STREAM, null, 4);
  private static final int THREADS = 3;
  private static final int[] REQUEST_SIZES = {1, 1, 2, 3, 10};

  private KafkaCrashWorker() {}

  /** Arguments: bootstrap servers, cluster, round, seed, transactional id or "-" for a random one. */
  public static void main(String[] args) throws Exception {
    int round = Integer.parseInt(args[2]);
    long seed = Long.parseLong(args[3]);
    KafkaLog.Options options = KafkaLog.Options.defaults(args[0]).withCluster(args[1]);
    if (!args[4].equals("-")) {
      options = options.withTransactionalId(args[4]);
    }
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    KafkaLog log = KafkaLog.open(options);
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

  private static void appendUntilKilled(KafkaLog log, PrintStream out, int round, int thread, Random random) {
    List<String> sent = new ArrayList<>();
    for (int i = 0; ; i++) {
      List<Event> request = new ArrayList<>();
      int size = REQUEST_SIZES[random.nextInt(REQUEST_SIZES.length)];
      for (int j = 0; j < size; j++) {
        double kind = random.nextDouble();
        if (kind < 0.2) {
          String value = "{\"tag\":\"r" + round + "-t" + thread + "-" + i + "-" + j + "\"}";
          request.add(Event.of("k" + random.nextInt(40), value.getBytes(StandardCharsets.UTF_8)));
          continue;
        }
        String fresh = "r" + round + "-t" + thread + "-" + i + "-" + j;
        String id;
        if (kind < 0.8) {
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
      AppendResult result;
      try {
        result = log.append(STREAM, request).get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        e.printStackTrace();
        System.exit(3); // the parent sees the child end by itself and fails
        return;
      }
      StringBuilder line = new StringBuilder("ack");
      for (int k = 0; k < request.size(); k++) {
        Position at = result.positions().get(k);
        Event e = request.get(k);
        line.append(' ').append(at.partition()).append('/').append(at.offset()).append('/')
            .append(at.duplicate() ? 1 : 0).append('/').append(e.id() == null ? "-" : e.id())
            .append('/').append(crc(e.value()));
      }
      synchronized (out) {
        out.println(line.append(" end"));
        out.flush();
      }
    }
  }

  static Event eventWithId(String id) {
    int hash = id.hashCode();
    String value = "{\"id\":\"" + id + "\",\"pad\":\"" + "x".repeat(Math.floorMod(hash * 31, 100)) + "\"}";
    return new Event("k" + Math.floorMod(hash, 40), id, null, List.of(), false, value.getBytes(StandardCharsets.UTF_8));
  }

  static String crc(byte[] bytes) {
    CRC32 crc = new CRC32();
    crc.update(bytes);
    return Long.toHexString(crc.getValue());
  }
}
