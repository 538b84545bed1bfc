package dev.sluice.kafka.cluster;

import dev.sluice.constraints.SharedConstraints;
import dev.sluice.engine.Ownership;
import dev.sluice.engine.ViewAudit;
import dev.sluice.kafka.broker.KafkaBroker;
import dev.sluice.kafka.log.KafkaLog;
import dev.sluice.log.Partitioner;
import dev.sluice.log.StreamSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * This instance's membership in its cluster's consumer group (docs/deploy-kafka.md): Kafka's group
 * protocol divides the partitions of every stream topic, and of the topic {@code <cluster>._views}
 * whose partitions stand for the whole views, among the instances. The consumer never reads a
 * record (every partition it gets is paused at once): it is there for membership and assignment
 * only. Each member's client id carries its HTTP address, so that any instance can learn from the
 * group's description who owns what and forward a read there.
 */
public final class KafkaMembership implements Ownership, SharedConstraints.Source, AutoCloseable {
  /** Partitions of {@code <cluster>._views}: a whole view runs on the owner of the one its name hashes to. */
  public static final int WHOLE_VIEW_PARTITIONS = 12;
  /** What the client id starts with; the HTTP address follows. */
  static final String CLIENT_ID_PREFIX = "sluice@";
  private static final Duration POLL = Duration.ofMillis(200);
  /** How often the owners of other partitions are read from the group's description. */
  private static final long OWNERS_REFRESH_MS = 1_000;
  private static final long ADMIN_LIMIT_S = 10;

  private final KafkaLog log;
  private final String cluster;
  private final Duration sessionTimeout;
  private final String group;
  private final Admin admin;
  private volatile String self = "";
  private KafkaConsumer<byte[], byte[]> consumer;
  private Thread thread;
  private final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
  private volatile Map<TopicPartition, String> owners = Map.of();
  private volatile long ownersAtMs;
  private volatile String memberId = "";
  private volatile long generation = -1;
  private volatile long rebalances;
  private volatile long lastRebalanceMs;
  private volatile boolean running = true;
  private KafkaConstraints constraints;

  private KafkaMembership(KafkaLog log, Duration sessionTimeout) {
    this.log = log;
    this.cluster = log.options().cluster();
    this.sessionTimeout = sessionTimeout;
    this.group = groupId(cluster);
    Properties common = new Properties();
    common.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, log.options().bootstrapServers());
    common.putAll(log.options().clientOverrides());
    this.admin = Admin.create(common);
  }

  /**
   * The membership of an instance of {@code log}'s cluster, not joined yet: until {@link #join} and
   * the first assignment, this instance owns nothing. {@code sessionTimeout}: how long the group
   * waits for an instance that stopped answering before it gives its partitions to the others.
   */
  public static KafkaMembership create(KafkaLog log, Duration sessionTimeout) {
    ensureWholeViewTopic(log);
    return new KafkaMembership(log, sessionTimeout);
  }

  /** Joins the cluster's group as the instance whose HTTP API is at {@code self}, a base URL the other instances reach. */
  public synchronized void join(String self) {
    if (thread != null) {
      throw new IllegalStateException("already joined");
    }
    this.self = self;
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, log.options().bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, CLIENT_ID_PREFIX + self);
    p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
    // Range divides each topic's partitions on its own, so every stream's load is spread across
    // the instances (the sticky assignors balance the count over all topics, and could leave a
    // stream on one instance). Its rebalances are eager, which costs views a pause, no state.
    p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, String.valueOf(sessionTimeout.toMillis()));
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, String.valueOf(Math.max(500, sessionTimeout.toMillis() / 5)));
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
    p.putAll(log.options().clientOverrides());
    this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.thread = new Thread(this::run, "sluice-kafka-membership-" + cluster);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** {@code <cluster>._instances}: the consumer group the instances of a cluster form. */
  public static String groupId(String cluster) {
    return cluster + "._instances";
  }

  /** {@code <cluster>._views}: the topic whose partitions stand for the whole views. */
  /**
   * Who owns each partition now, from the description of the cluster's group (what {@code sluice
   * verify} says of the partitions it has no state of): the owner's URL per partition of the stream
   * topics and of {@code <cluster>._views}; empty when no instance runs. It asks, it does not join.
   */
  public static Map<TopicPartition, String> currentOwners(KafkaLog.Options options) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
    p.putAll(options.clientOverrides());
    String group = groupId(options.cluster());
    try (Admin admin = Admin.create(p)) {
      ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
          .get(ADMIN_LIMIT_S, TimeUnit.SECONDS);
      Map<TopicPartition, String> out = new HashMap<>();
      for (MemberDescription m : d.members()) {
        if (m.clientId().startsWith(CLIENT_ID_PREFIX)) {
          String url = m.clientId().substring(CLIENT_ID_PREFIX.length());
          m.assignment().topicPartitions().forEach(tp -> out.put(tp, url));
        }
      }
      return out;
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      return Map.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Map.of();
    }
  }

  /**
   * Who holds each stream partition and each whole view in the group now, as verify's
   * not-recomputed lines say it of what the folder it audits holds no state of.
   */
  public static ViewAudit.Holders currentHolders(KafkaLog.Options options) {
    Map<TopicPartition, String> owners = currentOwners(options);
    String cluster = options.cluster();
    return new ViewAudit.Holders() {
      @Override
      public String ofPartition(String stream, int partition) {
        return said(owners.get(new TopicPartition(KafkaLog.streamTopic(cluster, stream), partition)));
      }

      @Override
      public String ofWhole(String view) {
        return said(owners.get(wholeViewPartition(cluster, view)));
      }

      private String said(String url) {
        return url == null ? "no instance owns it now" : "owned by " + url + " now";
      }
    };
  }

  /** The partition of {@code <cluster>._views} that stands for the whole view {@code view}. */
  public static TopicPartition wholeViewPartition(String cluster, String view) {
    return new TopicPartition(wholeViewTopic(cluster), Partitioner.partition(view, WHOLE_VIEW_PARTITIONS));
  }

  public static String wholeViewTopic(String cluster) {
    return cluster + "._views";
  }

  private static void ensureWholeViewTopic(KafkaLog log) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, log.options().bootstrapServers());
    p.putAll(log.options().clientOverrides());
    try (Admin admin = Admin.create(p)) {
      KafkaBroker.createTopic(admin, new NewTopic(wholeViewTopic(log.options().cluster()), Optional.of(WHOLE_VIEW_PARTITIONS), Optional.empty()));
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("cannot create " + wholeViewTopic(log.options().cluster()) + ": " + e.getMessage(), e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating " + wholeViewTopic(log.options().cluster()), e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("cannot create " + wholeViewTopic(log.options().cluster()) + " in time", e);
    }
  }

  private void run() {
    List<String> subscribed = null;
    try {
      while (running) {
        List<String> topics = topics();
        if (!topics.equals(subscribed)) {
          // A stream declared since (by any instance): every instance subscribes to it, and the
          // group divides its partitions in the rebalance that follows.
          consumer.subscribe(topics, new Listener());
          subscribed = topics;
        }
        consumer.poll(POLL);
        if (System.currentTimeMillis() - ownersAtMs >= OWNERS_REFRESH_MS) {
          refreshOwners();
        }
      }
    } catch (WakeupException closing) {
      // close() woke the poll
    } catch (RuntimeException e) {
      System.err.println("sluice: the cluster membership failed: " + e + "; this instance now owns nothing");
      owned.clear();
    } finally {
      owned.clear();
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private List<String> topics() {
    List<String> topics = new ArrayList<>();
    topics.add(wholeViewTopic(cluster));
    for (StreamSpec spec : log.streams()) {
      topics.add(KafkaLog.streamTopic(cluster, spec.name()));
    }
    topics.sort(null);
    return topics;
  }

  /** Called on the membership thread, inside poll. */
  private final class Listener implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      consumer.pause(partitions); // membership only: the views read through the log's own readers
      owned.addAll(partitions);
      changed();
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      owned.removeAll(partitions);
      changed();
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      owned.removeAll(partitions);
      changed();
    }

    private void changed() {
      memberId = consumer.groupMetadata().memberId();
      generation = consumer.groupMetadata().generationId();
      rebalances++;
      lastRebalanceMs = System.currentTimeMillis();
      ownersAtMs = 0; // learn the new owners of the rest at the next turn
    }
  }

  private void refreshOwners() {
    ownersAtMs = System.currentTimeMillis();
    try {
      ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
          .get(ADMIN_LIMIT_S, TimeUnit.SECONDS);
      Map<TopicPartition, String> next = new HashMap<>();
      for (MemberDescription m : d.members()) {
        if (!m.clientId().startsWith(CLIENT_ID_PREFIX)) {
          continue;
        }
        String url = m.clientId().substring(CLIENT_ID_PREFIX.length());
        m.assignment().topicPartitions().forEach(tp -> next.put(tp, url));
      }
      owners = next;
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      // The old map stays: a forward to an owner that has gone fails and the client retries.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public boolean owns(String stream, int partition) {
    return owned.contains(new TopicPartition(KafkaLog.streamTopic(cluster, stream), partition));
  }

  @Override
  public boolean ownsWhole(String view) {
    return owned.contains(wholeViewPartition(view));
  }

  private TopicPartition wholeViewPartition(String view) {
    return wholeViewPartition(cluster, view);
  }

  @Override
  public Optional<String> ownerOf(String stream, int partition) {
    return remote(new TopicPartition(KafkaLog.streamTopic(cluster, stream), partition));
  }

  @Override
  public Optional<String> wholeOwnerOf(String view) {
    return remote(wholeViewPartition(view));
  }

  private Optional<String> remote(TopicPartition tp) {
    String url = owners.get(tp);
    return url == null || url.equals(self) || owned.contains(tp) ? Optional.empty() : Optional.of(url);
  }

  /** The partitions this instance owns now, by topic (for tests and status). */
  public Map<String, Set<Integer>> ownedPartitions() {
    Map<String, Set<Integer>> out = new TreeMap<>();
    for (TopicPartition tp : owned) {
      out.computeIfAbsent(tp.topic(), t -> new TreeSet<>()).add(tp.partition());
    }
    return out;
  }

  @Override
  public long generation() {
    return generation;
  }

  @Override
  public Set<String> members() {
    Set<String> out = new TreeSet<>(owners.values());
    out.add(self);
    return out;
  }

  @Override
  public String self() {
    return self;
  }

  @Override
  public Map<String, Object> describe() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("group", group);
    out.put("member_id", memberId);
    out.put("generation", generation);
    out.put("url", self);
    out.put("owned", ownedPartitions());
    Map<String, Integer> members = new TreeMap<>();
    owners.values().forEach(url -> members.merge(url, 1, Integer::sum));
    out.put("members", members);
    out.put("rebalances", rebalances);
    out.put("last_rebalance_ms", lastRebalanceMs);
    return out;
  }

  /** The constraints' declarations, acknowledgements and fenced writers on this cluster (made at the first call). */
  @Override
  public synchronized SharedConstraints sharedConstraints() {
    if (constraints == null) {
      constraints = new KafkaConstraints(log, this);
    }
    return constraints;
  }

  @Override
  public synchronized void close() {
    if (constraints != null) {
      constraints.close();
    }
    running = false;
    if (thread != null) {
      consumer.wakeup();
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    admin.close(Duration.ofSeconds(5));
  }
}
