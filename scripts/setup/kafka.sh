#!/usr/bin/env bash
# Fetches a Kafka broker for the integration tests and the distributed mode, idempotently and cached.
#
# The broker (org.apache.kafka:kafka_2.13) and its runtime dependencies come from Maven Central
# through `mvn dependency:copy-dependencies` (a tiny pom written into the cache folder), plus an
# slf4j → reload4j binding so the broker writes a log we can read when something fails. Result:
#   $LM_CACHE_DIR/kafka-<version>/libs/*.jar      the classpath for `java -cp 'libs/*' kafka.Kafka`
#   $LM_CACHE_DIR/kafka-<version>/log4j.properties
# scripts/infra/kafka.sh runs it. Kafka 3.9 is pinned (not 4.x): kafkajs 2.2 speaks the protocol
# versions 3.9 still accepts, and 3.9 runs KRaft single-node without ZooKeeper.
. "$(dirname "$0")/../lib/common.sh"

KAFKA_VERSION="${LM_KAFKA_VERSION:-3.9.1}"
SCALA_VERSION=2.13
# The slf4j line Kafka 3.9 is built against, and the reload4j binding its own distribution ships.
SLF4J_VERSION=1.7.36
RELOAD4J_VERSION=1.2.25

lm_apt_install openjdk-17-jre-headless maven

home="$LM_CACHE_DIR/kafka-$KAFKA_VERSION"
fingerprint="kafka_$SCALA_VERSION:$KAFKA_VERSION slf4j-reload4j:$SLF4J_VERSION reload4j:$RELOAD4J_VERSION v1"
if lm_stamp_ok "kafka-$KAFKA_VERSION" "$fingerprint" && [ -f "$home/libs/kafka_$SCALA_VERSION-$KAFKA_VERSION.jar" ]; then
  exit 0
fi

lm_log "fetching Kafka $KAFKA_VERSION and its dependencies from Maven Central (once)"
mkdir -p "$home"
cat >"$home/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/setup/kafka.sh: only used to resolve the broker's runtime classpath. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>lm.local</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_$SCALA_VERSION</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>$SLF4J_VERSION</version>
    </dependency>
    <dependency>
      <groupId>ch.qos.reload4j</groupId>
      <artifactId>reload4j</artifactId>
      <version>$RELOAD4J_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF

rm -rf "$home/libs.partial"
# -B: batch mode (no progress bars); runtime scope: what the broker needs, not its test jars.
mvn -B -q -Dstyle.color=never -f "$home/pom.xml" dependency:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$home/libs.partial" ||
  lm_die "mvn could not fetch Kafka $KAFKA_VERSION (is Maven Central reachable?)"
[ -f "$home/libs.partial/kafka_$SCALA_VERSION-$KAFKA_VERSION.jar" ] || lm_die "the Kafka jar is missing after mvn"
rm -rf "$home/libs"
mv "$home/libs.partial" "$home/libs"

# Broker log to a file named by the start script (kafka.logs.dir), WARN for chatty internals.
cat >"$home/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=${kafka.logs.dir}/server.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.controller=INFO
EOF

java -cp "$home/libs/*" kafka.tools.StorageTool random-uuid >/dev/null 2>&1 ||
  lm_die "the fetched Kafka classpath does not run (java -cp libs/* kafka.tools.StorageTool failed)"
lm_stamp_set "kafka-$KAFKA_VERSION" "$fingerprint"
lm_log "Kafka $KAFKA_VERSION ready in $home"
