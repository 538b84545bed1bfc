package dev.sluice.log.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.log.Event;
import dev.sluice.log.StreamKind;
import dev.sluice.log.StreamSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InterruptedReaderTest {
  @TempDir Path dir;

  @Test
  void readersInterruptedMidReadStopNeitherTheWriterNorOtherReaders() throws Exception {
    try (EmbeddedLog log = EmbeddedLog.open(dir, EmbeddedLog.Options.defaults())) {
      log.create(new StreamSpec("s", StreamKind.STREAM, null, 2), false);
      byte[] value = "{\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}".getBytes(StandardCharsets.UTF_8);
      AtomicBoolean stop = new AtomicBoolean(false);
      List<Thread> readers = new ArrayList<>();
      for (int r = 0; r < 4; r++) {
        Thread reader = new Thread(() -> {
          while (!stop.get()) {
            try {
              log.read("s", 0, 0, 5000);
            } catch (RuntimeException interrupted) {
              Thread.interrupted(); // an interrupted read may fail; the next one starts afresh
            }
          }
        });
        readers.add(reader);
        reader.start();
      }
      int appended = 0;
      for (int round = 0; round < 200; round++) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          events.add(Event.of("k" + i, value));
        }
        appended += log.append("s", events).get(30, TimeUnit.SECONDS).appended();
        readers.get(round % readers.size()).interrupt();
      }
      stop.set(true);
      for (Thread reader : readers) {
        reader.join();
      }
      assertThat(appended).isEqualTo(200 * 50);
      long total = 0;
      for (int p = 0; p < 2; p++) {
        for (long from = 0; ; ) {
          var page = log.read("s", p, from, 10_000);
          if (page.isEmpty()) {
            break;
          }
          total += page.size();
          from += page.size();
        }
      }
      assertThat(total).isEqualTo(appended);
    }
  }
}
