package dev.sluice.log.embedded;

import dev.sluice.log.EventLog;
import dev.sluice.log.EventLogContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedLogContractTest extends EventLogContract {
  @TempDir Path dir;

  @Override
  protected EventLog newLog() {
    // Small segments so that the contract also runs across segment boundaries.
    return EmbeddedLog.open(dir, EmbeddedLog.Options.defaults().withSegmentBytes(8192));
  }

  @Override
  protected EventLog reopen(EventLog log) {
    log.close();
    return newLog();
  }
}
