package dev.sluice.log.embedded;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A disk in memory that fails the way real ones do, in the spirit of Lucene's MockDirectoryWrapper
 * and SQLite's crash VFS. For every file it keeps the bytes an fsync made durable apart from the
 * unsynced tail; for every folder the entries a folder fsync made durable apart from the creations,
 * renames and deletions since. {@link #crash} returns the disk as it looks after a power loss: each
 * unsynced tail lost, kept, or torn (optionally with garbage in its last page), and each folder's
 * unsynced operations undone from a random point on (a journaling file system keeps their order).
 * The crashed disk is dead: every later operation on it fails, so nothing is acknowledged after the
 * power went.
 *
 * <p>It also flips bits, fills up ({@link #failWritesAfter}), fails an fsync, and holds fsyncs so a
 * test can crash while bytes are written but not yet durable. Deterministic for a given seed, up to
 * the interleaving of the log's threads.
 */
final class FaultyStorage implements Storage {

  /** What a power loss does to the unsynced tail of a file. */
  enum Tear {
    /** Every unsynced byte is lost. */
    LOSE,
    /** A random strict prefix of the unsynced bytes reached the disk. */
    PARTIAL,
    /** A random strict prefix reached the disk, followed by garbage up to the end of its page. */
    PARTIAL_WITH_GARBAGE,
    /** Per file, any of the above, or the whole tail survived. */
    ANY
  }

  private static final int PAGE_BYTES = 4096;
  private static final long WAIT_MS_MAX = 30_000;

  private final Random random;
  private final DirNode root;
  private boolean dead;
  private long spaceLeftBytes = Long.MAX_VALUE;
  private int syncFailuresPending;
  private HeldSyncs held;
  private long appends;
  /**
   * Whether segment files opened for appends say their sync writes them ({@link
   * StorageFile#writesOnSync}), as the disk's direct files do: the writer's sequencer then syncs
   * and answers its rounds itself. Otherwise they are plain files, and the syncer thread does.
   */
  private boolean writesOnSync = true;

  FaultyStorage(long seed) {
    this(new Random(seed), new DirNode());
  }

  private FaultyStorage(Random random, DirNode root) {
    this.random = random;
    this.root = root;
  }

  /** Segment files appended through the page cache and fsynced by the writer's syncer thread. */
  FaultyStorage appendingThroughPageCache() {
    writesOnSync = false;
    return this;
  }

  private FaultyStorage inheriting(FaultyStorage from) {
    writesOnSync = from.writesOnSync;
    return this;
  }

  // ---- faults ----

  /**
   * The disk after a power loss now: durable bytes and entries stay, the rest as {@code tear} says.
   * This disk dies: every later operation on it fails with an IOException.
   */
  synchronized FaultyStorage crash(Tear tear) {
    dead = true;
    Map<Node, Node> copies = new IdentityHashMap<>();
    DirNode survivor = survive(root, tear, copies);
    return new FaultyStorage(new Random(random.nextLong()), survivor).inheriting(this);
  }

  /**
   * The disk a power loss now would leave, every unsynced byte lost, while this disk lives on: what
   * was acknowledged before this call must be in the copy.
   */
  synchronized FaultyStorage durableCopy() {
    return new FaultyStorage(new Random(random.nextLong()), survive(root, Tear.LOSE, new IdentityHashMap<>())).inheriting(this);
  }

  /** Flips one bit, chosen by the seed, of the byte at {@code bytePosition}, in every copy of it. */
  synchronized void flipBit(Path path, long bytePosition) throws IOException {
    FileNode file = file(path);
    int bit = 1 << random.nextInt(8);
    boolean flipped = false;
    if (bytePosition < file.size) {
      file.bytes[(int) bytePosition] ^= (byte) bit;
      flipped = true;
    }
    if (file.syncedCopy != null && bytePosition < file.syncedCopy.length) {
      file.syncedCopy[(int) bytePosition] ^= (byte) bit;
      flipped = true;
    }
    if (!flipped) {
      throw new IllegalArgumentException(path + " has no byte " + bytePosition);
    }
  }

  /**
   * The disk fills after {@code bytes} more appended bytes: the append that crosses the limit writes
   * what still fits and then fails with "No space left on device", as write(2) does.
   */
  synchronized void failWritesAfter(long bytes) {
    spaceLeftBytes = bytes;
  }

  /** Space is back. */
  synchronized void restoreSpace() {
    spaceLeftBytes = Long.MAX_VALUE;
  }

  /** The next file fsync fails with an I/O error and makes nothing durable. */
  synchronized void failNextSync() {
    syncFailuresPending++;
  }

  /**
   * From now on a file fsync blocks until the returned handle releases it: the bytes before it are
   * written but not durable for as long as the test likes.
   */
  synchronized HeldSyncs holdSyncs() {
    held = new HeldSyncs();
    return held;
  }

  /** Fsyncs held by {@link #holdSyncs}. */
  final class HeldSyncs {
    private final CompletableFuture<Void> reached = new CompletableFuture<>();
    private final CompletableFuture<Boolean> released = new CompletableFuture<>();

    /** Completes when a file fsync is waiting here. */
    CompletableFuture<Void> reached() {
      return reached;
    }

    void release() {
      end(false);
    }

    /** The waiting fsyncs fail with an I/O error; later ones behave again. */
    void releaseFailing() {
      end(true);
    }

    private void end(boolean fail) {
      synchronized (FaultyStorage.this) {
        if (held == this) {
          held = null;
        }
      }
      released.complete(fail);
    }
  }

  // ---- inspection for tests ----

  synchronized long size(Path path) throws IOException {
    return file(path).size;
  }

  /** Appends done so far, by all files. */
  synchronized long appends() {
    return appends;
  }

  /** Waits until {@link #appends()} reaches {@code count}. */
  synchronized void awaitAppends(long count) throws InterruptedException {
    long deadline = System.currentTimeMillis() + WAIT_MS_MAX;
    while (appends < count) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        throw new IllegalStateException("only " + appends + " of " + count + " appends happened in " + WAIT_MS_MAX + " ms");
      }
      wait(left);
    }
  }

  // ---- Storage ----

  @Override
  public synchronized StorageFile open(Path path, boolean create) throws IOException {
    alive();
    DirNode dir = parent(path);
    String name = name(path);
    Node node = dir.entries.get(name);
    if (node == null) {
      if (!create) {
        throw new NoSuchFileException(path.toString());
      }
      FileNode file = new FileNode();
      dir.change(m -> m.put(name, file));
      node = file;
    }
    if (!(node instanceof FileNode file)) {
      throw new IOException(path + " is a directory");
    }
    return new FaultyFile(file, false);
  }

  @Override
  public synchronized StorageFile openForAppends(Path path) throws IOException {
    FaultyFile file = (FaultyFile) open(path, false);
    return writesOnSync ? new FaultyFile(file.file, true) : file;
  }

  @Override
  public synchronized boolean exists(Path path) {
    return !dead && lookup(path) != null;
  }

  @Override
  public synchronized List<String> list(Path dir) throws IOException {
    alive();
    return lookup(dir) instanceof DirNode d ? new ArrayList<>(d.entries.keySet()) : List.of();
  }

  @Override
  public synchronized void createDirectories(Path dir) throws IOException {
    alive();
    DirNode at = root;
    for (Path element : dir.toAbsolutePath().normalize()) {
      String name = element.toString();
      Node next = at.entries.get(name);
      if (next == null) {
        DirNode created = new DirNode();
        at.change(m -> m.put(name, created));
        next = created;
      }
      if (!(next instanceof DirNode d)) {
        throw new FileAlreadyExistsException(dir.toString());
      }
      at = d;
    }
  }

  @Override
  public synchronized void rename(Path source, Path target) throws IOException {
    alive();
    DirNode from = parent(source);
    DirNode to = parent(target);
    String sourceName = name(source);
    String targetName = name(target);
    Node node = from.entries.get(sourceName);
    if (node == null) {
      throw new NoSuchFileException(source.toString());
    }
    if (to.entries.get(targetName) instanceof DirNode d && !d.entries.isEmpty()) {
      throw new DirectoryNotEmptyException(target.toString());
    }
    if (from == to) {
      from.change(m -> {
        m.remove(sourceName, node);
        m.put(targetName, node);
      });
    } else {
      from.change(m -> m.remove(sourceName, node));
      to.change(m -> m.put(targetName, node));
    }
  }

  @Override
  public synchronized void delete(Path path) throws IOException {
    alive();
    DirNode dir = parent(path);
    String name = name(path);
    Node node = dir.entries.get(name);
    if (node == null) {
      return;
    }
    if (node instanceof DirNode d && !d.entries.isEmpty()) {
      throw new DirectoryNotEmptyException(path.toString());
    }
    dir.change(m -> m.remove(name, node));
  }

  @Override
  public synchronized void syncDirectory(Path dir) throws IOException {
    alive();
    if (!(lookup(dir) instanceof DirNode d)) {
      throw new NoSuchFileException(dir.toString());
    }
    d.durable = new TreeMap<>(d.entries);
    d.pending.clear();
  }

  // ---- the model ----

  private sealed interface Node permits FileNode, DirNode {}

  /**
   * A file's bytes. The durable content is the first {@code syncedSize} bytes, unless a truncate cut
   * into them since the last fsync: then it is {@code syncedCopy}.
   */
  private static final class FileNode implements Node {
    byte[] bytes = new byte[0];
    int size;
    int syncedSize;
    byte[] syncedCopy;

    void append(ByteBuffer src, int n) {
      if (size + n > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(size + n, bytes.length * 2));
      }
      src.get(bytes, size, n);
      size += n;
    }

    byte[] durable() {
      return syncedCopy != null ? syncedCopy.clone() : Arrays.copyOf(bytes, syncedSize);
    }
  }

  /** A folder: its entries now, the entries a folder fsync made durable, and the operations since. */
  private static final class DirNode implements Node {
    TreeMap<String, Node> entries = new TreeMap<>();
    TreeMap<String, Node> durable = new TreeMap<>();
    final List<Consumer<Map<String, Node>>> pending = new ArrayList<>();

    void change(Consumer<Map<String, Node>> operation) {
      operation.accept(entries);
      pending.add(operation);
    }
  }

  private DirNode survive(DirNode dir, Tear tear, Map<Node, Node> copies) {
    TreeMap<String, Node> entries = new TreeMap<>(dir.durable);
    int kept = random.nextInt(dir.pending.size() + 1);
    for (Consumer<Map<String, Node>> operation : dir.pending.subList(0, kept)) {
      operation.accept(entries);
    }
    DirNode copy = new DirNode();
    for (Map.Entry<String, Node> entry : entries.entrySet()) {
      Node node = entry.getValue();
      Node survived = copies.get(node);
      if (survived == null) {
        survived = node instanceof DirNode d ? survive(d, tear, copies) : survive((FileNode) node, tear);
        copies.put(node, survived);
      }
      copy.entries.put(entry.getKey(), survived);
    }
    copy.durable = new TreeMap<>(copy.entries);
    return copy;
  }

  private FileNode survive(FileNode file, Tear tear) {
    byte[] durable = file.durable();
    byte[] content;
    if (file.syncedCopy != null) {
      // A truncate since the last fsync: it reached the disk or it did not.
      content = tear != Tear.LOSE && random.nextBoolean() ? Arrays.copyOf(file.bytes, file.size) : durable;
    } else {
      int unsynced = file.size - file.syncedSize;
      Tear how = tear == Tear.ANY ? Tear.values()[random.nextInt(Tear.values().length)] : tear;
      content =
          switch (how) {
            case LOSE -> durable;
            case PARTIAL -> Arrays.copyOf(file.bytes, file.syncedSize + strictPrefix(unsynced));
            case PARTIAL_WITH_GARBAGE -> withGarbage(Arrays.copyOf(file.bytes, file.syncedSize + strictPrefix(unsynced)), unsynced);
            case ANY -> Arrays.copyOf(file.bytes, file.size); // the whole tail made it
          };
    }
    FileNode survivor = new FileNode();
    survivor.bytes = content;
    survivor.size = content.length;
    survivor.syncedSize = content.length;
    return survivor;
  }

  /** A length in [1, n - 1] when there is one, so the tail is really torn; else 0. */
  private int strictPrefix(int n) {
    return n >= 2 ? 1 + random.nextInt(n - 1) : 0;
  }

  /** Garbage (random bytes or zeros) after the kept prefix, up to the end of its page. */
  private byte[] withGarbage(byte[] kept, int unsynced) {
    if (unsynced == 0) {
      return kept;
    }
    int pageEnd = (kept.length / PAGE_BYTES + 1) * PAGE_BYTES;
    int garbage = 1 + random.nextInt(pageEnd - kept.length);
    byte[] out = Arrays.copyOf(kept, kept.length + garbage);
    if (random.nextBoolean()) {
      byte[] noise = new byte[garbage];
      random.nextBytes(noise);
      System.arraycopy(noise, 0, out, kept.length, garbage);
    }
    return out;
  }

  // ---- paths ----

  private void alive() throws IOException {
    if (dead) {
      throw new IOException("Input/output error (the machine lost power)");
    }
  }

  private Node lookup(Path path) {
    Node at = root;
    for (Path element : path.toAbsolutePath().normalize()) {
      if (!(at instanceof DirNode d)) {
        return null;
      }
      at = d.entries.get(element.toString());
      if (at == null) {
        return null;
      }
    }
    return at;
  }

  private DirNode parent(Path path) throws IOException {
    Path parent = path.toAbsolutePath().normalize().getParent();
    if (parent == null || !(lookup(parent) instanceof DirNode d)) {
      throw new NoSuchFileException(String.valueOf(parent));
    }
    return d;
  }

  private static String name(Path path) {
    return path.toAbsolutePath().normalize().getFileName().toString();
  }

  private FileNode file(Path path) throws IOException {
    if (!(lookup(path) instanceof FileNode file)) {
      throw new NoSuchFileException(path.toString());
    }
    return file;
  }

  // ---- open files ----

  private final class FaultyFile implements StorageFile {
    private final FileNode file;
    private final boolean writesOnSync;
    private boolean closed;

    FaultyFile(FileNode file, boolean writesOnSync) {
      this.file = file;
      this.writesOnSync = writesOnSync;
    }

    @Override
    public boolean writesOnSync() {
      return writesOnSync;
    }

    private void usable() throws IOException {
      alive();
      if (closed) {
        throw new ClosedChannelException();
      }
    }

    @Override
    public long size() throws IOException {
      synchronized (FaultyStorage.this) {
        usable();
        return file.size;
      }
    }

    @Override
    public void append(ByteBuffer src) throws IOException {
      synchronized (FaultyStorage.this) {
        usable();
        int n = src.remaining();
        appends++;
        FaultyStorage.this.notifyAll();
        if (n > spaceLeftBytes) {
          file.append(src, (int) spaceLeftBytes);
          spaceLeftBytes = 0;
          throw new IOException("No space left on device");
        }
        file.append(src, n);
        spaceLeftBytes -= n;
      }
    }

    @Override
    public void readFully(ByteBuffer dst, long position) throws IOException {
      synchronized (FaultyStorage.this) {
        usable();
        if (position + dst.remaining() > file.size) {
          throw new EOFException("end of file at " + file.size);
        }
        dst.put(file.bytes, (int) position, dst.remaining());
      }
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      synchronized (FaultyStorage.this) {
        usable();
        if (position >= file.size) {
          return -1;
        }
        int n = (int) Math.min(dst.remaining(), file.size - position);
        dst.put(file.bytes, (int) position, n);
        return n;
      }
    }

    @Override
    public void sync() throws IOException {
      HeldSyncs gate;
      synchronized (FaultyStorage.this) {
        usable();
        gate = held;
      }
      if (gate != null && waitFor(gate)) {
        throw new IOException("Input/output error (injected: a held fsync failed)");
      }
      synchronized (FaultyStorage.this) {
        usable();
        if (syncFailuresPending > 0) {
          syncFailuresPending--;
          throw new IOException("Input/output error (injected fsync failure)");
        }
        file.syncedSize = file.size;
        file.syncedCopy = null;
      }
    }

    private boolean waitFor(HeldSyncs gate) throws IOException {
      gate.reached.complete(null);
      try {
        return gate.released.get(WAIT_MS_MAX, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while an fsync was held", e);
      } catch (ExecutionException | TimeoutException e) {
        throw new IOException("a held fsync was never released", e);
      }
    }

    @Override
    public void truncate(long size) throws IOException {
      synchronized (FaultyStorage.this) {
        usable();
        if (size >= file.size) {
          return;
        }
        if (size < file.syncedSize && file.syncedCopy == null) {
          file.syncedCopy = Arrays.copyOf(file.bytes, file.syncedSize);
        }
        file.size = (int) size;
      }
    }

    @Override
    public void close() {
      synchronized (FaultyStorage.this) {
        closed = true;
      }
    }
  }
}
