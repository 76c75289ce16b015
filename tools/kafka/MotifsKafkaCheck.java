// Readiness check for the broker started by tools/services: a port that answers is not yet a broker
// that works, so this produces and consumes one record. It uses a transactional producer and a
// consumer group on purpose: that makes the broker create __transaction_state and
// __consumer_offsets now, so the first integration test does not pay for (or time out on) it.
// Compiled on first use into .motifs/kafka/ against the same classpath as the broker.
// Usage: java MotifsKafkaCheck <bootstrap> <topic> <timeoutMs>
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class MotifsKafkaCheck {
  public static void main(String[] args) {
    try {
      check(args);
      System.exit(0); // a lingering client thread must not keep the check alive
    } catch (Throwable e) {
      // One line for the caller's "reason"; the trace goes to stderr too, for check.log.
      StringBuilder why = new StringBuilder();
      for (Throwable t = e; t != null; t = t.getCause()) why.append(why.length() > 0 ? " <- " : "").append(t);
      e.printStackTrace();
      System.out.println("FAILED: " + why);
      System.exit(1);
    }
  }

  private static void check(String[] args) throws Exception {
    String bootstrap = args[0];
    String topic = args[1];
    long deadline = System.currentTimeMillis() + Long.parseLong(args[2]);
    String group = topic + "-group";
    String value = UUID.randomUUID().toString();
    long t0 = System.currentTimeMillis();

    Properties common = new Properties();
    common.put("bootstrap.servers", bootstrap);
    common.put("client.id", "motifs-services-check");
    int timeout = (int) Math.max(1000, deadline - System.currentTimeMillis());
    // Config values as strings: the clients reject a Long where they expect an Integer.
    common.put("default.api.timeout.ms", String.valueOf(timeout));
    common.put("request.timeout.ms", String.valueOf(Math.min(timeout, 15000)));

    try (Admin admin = Admin.create(common)) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(remaining(deadline), TimeUnit.MILLISECONDS);
      try {
        produce(common, topic, value, deadline);
        long produced = System.currentTimeMillis();
        consume(common, topic, group, value, deadline);
        System.out.printf("produce %dms, consume %dms%n", produced - t0, System.currentTimeMillis() - produced);
      } finally {
        // Best effort: a leftover check topic is harmless, so cleanup failures are not fatal.
        try {
          admin.deleteConsumerGroups(List.of(group)).all().get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
        }
        try {
          admin.deleteTopics(List.of(topic)).all().get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
        }
      }
    }
  }

  private static long remaining(long deadline) {
    long left = deadline - System.currentTimeMillis();
    if (left <= 0) throw new IllegalStateException("timed out");
    return left;
  }

  private static void produce(Properties common, String topic, String value, long deadline) throws Exception {
    Properties p = new Properties();
    p.putAll(common);
    p.put("transactional.id", topic + "-tx");
    p.put("max.block.ms", String.valueOf(remaining(deadline)));
    p.put("delivery.timeout.ms", String.valueOf(Math.max(remaining(deadline), 16000)));
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "check", value)).get(remaining(deadline), TimeUnit.MILLISECONDS);
      producer.commitTransaction();
    }
  }

  private static void consume(Properties common, String topic, String group, String value, long deadline) {
    Properties c = new Properties();
    c.putAll(common);
    c.put("group.id", group);
    c.put("auto.offset.reset", "earliest");
    c.put("isolation.level", "read_committed");
    c.put("enable.auto.commit", "false");
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      while (true) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(Math.min(500, remaining(deadline))))) {
          if (value.equals(r.value())) {
            consumer.commitSync(Duration.ofMillis(remaining(deadline)));
            return;
          }
        }
      }
    }
  }
}
