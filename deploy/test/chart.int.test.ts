// The chart renders for every example values file and every object validates offline (strict)
// against the Kubernetes schemas and the CRD schemas; the behaviours operators rely on are there.
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHART_DIR, Chart, kubeconformSummary, type K8sObject } from './Chart.js';
import { DeployTools } from './DeployTools.js';

const tools = DeployTools.load();
const chart = new Chart(tools);
const ciFiles = Chart.ciValuesFiles();
const ci = (name: string) => join(CHART_DIR, 'ci', name);
const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: K8sObject[], kind: string, suffix: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name.endsWith(suffix));

describe('example values (deploy/little-monster/ci)', () => {
  it('has the three required examples', () => {
    expect(ciFiles.map((f) => basename(f))).toEqual(
      expect.arrayContaining([
        'dev-embedded-values.yaml',
        'full-bundled-values.yaml',
        'external-infra-values.yaml',
      ]),
    );
  });

  for (const file of ciFiles) {
    it(`${basename(file)}: helm lint --strict passes`, async () => {
      const result = await chart.lint(file);
      expect(result.stdout + result.stderr).toContain('0 chart(s) failed');
      expect(result.code).toBe(0);
    });

    it(`${basename(file)}: renders and every object validates with kubeconform`, async () => {
      const manifest = await chart.render([file]);
      const result = await chart.validate(manifest);
      const summary = kubeconformSummary(result.stdout);
      expect(result.stdout).not.toMatch(/is invalid|failed validation/);
      expect(summary.invalid).toBe(0);
      expect(summary.errors).toBe(0);
      expect(summary.skipped).toBe(0);
      expect(summary.valid).toBe((await chart.objects(manifest)).length);
      expect(result.code).toBe(0);
    });
  }
});

describe('validation can fail', () => {
  it('kubeconform rejects a misspelt Kubernetes field', async () => {
    const manifest = await chart.render(
      [ci('external-infra-values.yaml')],
      ['services.gateway.extraEnv[0].name=X', 'services.gateway.extraEnv[0].valu=y'],
    );
    const result = await chart.validate(manifest);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toMatch(/Deployment lm-little-monster-gateway is invalid/);
  });

  it('kubeconform rejects a broken custom resource (KafkaTopic with 0 partitions)', async () => {
    const manifest = await chart.render([ci('full-bundled-values.yaml')]);
    const broken = manifest.replace(/partitions: \d+/, 'partitions: 0');
    const result = await chart.validate(broken);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toMatch(/KafkaTopic .* is invalid/);
  });

  it('values.schema.json rejects unknown keys and bad modes', async () => {
    const typo = await chart.tryRender(
      [ci('dev-embedded-values.yaml')],
      ['services.embedded.replica=2'],
    );
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toContain("additional properties 'replica' not allowed");
    const mode = await chart.tryRender([ci('dev-embedded-values.yaml')], ['kafka.mode=zookeeper']);
    expect(mode.code).not.toBe(0);
    expect(mode.stderr).toContain('/kafka/mode');
  });

  it('refuses media without an announced address (default values)', async () => {
    const result = await chart.tryRender([]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('media.rtc.announcedAddress is required');
  });

  it('refuses external infrastructure without its address', async () => {
    const result = await chart.tryRender(
      [ci('external-infra-values.yaml')],
      ['kafka.external.brokers='],
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('kafka.external.brokers is required');
  });
});

describe('full bundled install', () => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = await chart.objects(await chart.render([ci('full-bundled-values.yaml')]));
  });

  it('gives every service a Deployment, Service, ServiceAccount, PDB and NetworkPolicy', () => {
    for (const name of ['gateway', 'media', 'transcriber', 'tutor', 'speech', 'library', 'jobs']) {
      for (const kind of [
        'Deployment',
        'Service',
        'ServiceAccount',
        'PodDisruptionBudget',
        'NetworkPolicy',
        'ServiceMonitor',
      ]) {
        expect(named(objects, kind, `-${name}`), `${kind} for ${name}`).toBeDefined();
      }
    }
  });

  it('probes, non-root, read-only root filesystem and a config checksum on every service pod', () => {
    for (const deployment of byKind(objects, 'Deployment').filter(
      (d) => d.metadata.labels?.['app.kubernetes.io/component'] !== 'keycloak',
    )) {
      const template = (
        deployment.spec as {
          template: {
            metadata: { annotations: Record<string, string> };
            spec: Record<string, unknown>;
          };
        }
      ).template;
      const pod = template.spec as {
        securityContext: { runAsNonRoot: boolean };
        containers: Record<string, unknown>[];
      };
      expect(template.metadata.annotations['checksum/config'], deployment.metadata.name).toMatch(
        /^[0-9a-f]{64}$/,
      );
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      const container = pod.containers[0] as Record<string, { readOnlyRootFilesystem?: boolean }>;
      expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'])
        expect(container[probe]).toBeDefined();
    }
  });

  it('scales the gateway by CPU and the transcriber by Kafka lag (KEDA), never both on one Deployment', () => {
    expect(named(objects, 'HorizontalPodAutoscaler', '-gateway')).toBeDefined();
    expect(named(objects, 'HorizontalPodAutoscaler', '-transcriber')).toBeUndefined();
    const scaled = named(objects, 'ScaledObject', '-transcriber');
    const trigger = (
      scaled?.spec as { triggers: { type: string; metadata: Record<string, string> }[] }
    ).triggers[0];
    expect(trigger?.type).toBe('kafka');
    expect(trigger?.metadata.topic).toBe('lm.audio.v1');
  });

  it('runs media on the host network, one per node, with a long drain', () => {
    const media = named(objects, 'Deployment', '-media');
    const pod = (media?.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    expect(pod.hostNetwork).toBe(true);
    expect(pod.terminationGracePeriodSeconds as number).toBeGreaterThanOrEqual(3600);
    expect(JSON.stringify(pod.affinity)).toContain('kubernetes.io/hostname');
    expect(JSON.stringify(pod.containers)).toContain('status.hostIP');
  });

  it('wires the gateway to the media service over gRPC: address, network policy, drain time', () => {
    type Env = { name: string; value?: string }[];
    const envOf = (suffix: string): Env =>
      (
        named(objects, 'Deployment', suffix)?.spec as {
          template: { spec: { containers: { env: Env }[] } };
        }
      ).template.spec.containers[0]?.env ?? [];
    const service = named(objects, 'Service', '-media');
    const grpcPort = (service?.spec as { ports: { name: string; port: number }[] }).ports.find(
      (p) => p.name === 'grpc',
    )?.port;
    expect(grpcPort).toBeGreaterThan(0);
    const config = named(objects, 'ConfigMap', '-config') as { data: Record<string, string> };
    expect(config.data.MEDIA_GRPC_ADDRESS).toBe(`lm-little-monster-media:${grpcPort}`);
    const policy = JSON.stringify(named(objects, 'NetworkPolicy', '-media')?.spec);
    expect(policy).toMatch(/"port":"grpc".*"app.kubernetes.io\/component":"gateway"/);
    const drainMs = Number(envOf('-media').find((e) => e.name === 'MEDIA_DRAIN_TIMEOUT_MS')?.value);
    const media = named(objects, 'Deployment', '-media');
    const grace = (media?.spec as { template: { spec: { terminationGracePeriodSeconds: number } } })
      .template.spec.terminationGracePeriodSeconds;
    expect(drainMs).toBeGreaterThan(0);
    expect(drainMs).toBeLessThan(grace * 1000);
  });

  it('bundles Kafka (Strimzi), PostgreSQL, Keycloak with the realm, Qdrant and Ollama', () => {
    expect(byKind(objects, 'Kafka')).toHaveLength(1);
    expect(byKind(objects, 'KafkaNodePool')).toHaveLength(1);
    expect(named(objects, 'StatefulSet', '-postgresql')).toBeDefined();
    expect(named(objects, 'Deployment', '-keycloak')).toBeDefined();
    expect(
      named(objects, 'ConfigMap', '-keycloak-realm')?.data?.['little-monster-realm.json'],
    ).toContain('"little-monster"');
    expect(named(objects, 'StatefulSet', '-qdrant')).toBeDefined();
    expect(named(objects, 'StatefulSet', '-ollama')).toBeDefined();
    const config = named(objects, 'ConfigMap', '-config');
    expect(config?.data?.KAFKA_BROKERS).toBe('lm-little-monster-kafka-bootstrap:9092');
    expect(config?.data?.KEYCLOAK_REALM).toBe('little-monster');
  });

  it('routes HTTP and WebSocket to the gateway and /auth to Keycloak, with long timeouts', () => {
    const ingress = byKind(objects, 'Ingress')[0];
    expect(ingress?.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout']).toBe(
      '3600',
    );
    const paths = JSON.stringify(ingress?.spec);
    expect(paths).toContain('lm-little-monster-gateway');
    expect(paths).toContain('/auth');
  });

  it('uses the existing secrets it was given instead of making its own', () => {
    expect(named(objects, 'Secret', '-postgresql')).toBeUndefined();
    expect(named(objects, 'Secret', '-keycloak-admin')).toBeUndefined();
    expect(JSON.stringify(named(objects, 'Deployment', '-tutor'))).toContain(
      '"name":"lm-postgresql"',
    );
  });
});

describe('media signaling', () => {
  it('names no media address when the media service is off', async () => {
    const objects = await chart.objects(
      await chart.render([ci('full-bundled-values.yaml')], ['services.media.enabled=false']),
    );
    expect(JSON.stringify(named(objects, 'ConfigMap', '-config'))).not.toContain(
      'MEDIA_GRPC_ADDRESS',
    );
  });

  it('puts the gateway client secret in the chart-made Secret when given', async () => {
    const objects = await chart.objects(
      await chart.render([ci('full-bundled-values.yaml')], ['secrets.gatewayClientSecret=s3']),
    );
    const stringData = named(objects, 'Secret', '-secrets')?.stringData as
      Record<string, string> | undefined;
    expect(stringData?.LM_CLIENT_SECRET_GATEWAY).toBe('s3');
  });
});

describe('config changes roll pods', () => {
  it('changes the checksum annotation when a setting changes', async () => {
    const checksum = async (set: string[]) => {
      const objects = await chart.objects(
        await chart.render([ci('dev-embedded-values.yaml')], set),
      );
      const deployment = named(objects, 'Deployment', '-embedded');
      return (
        deployment?.spec as { template: { metadata: { annotations: Record<string, string> } } }
      ).template.metadata.annotations['checksum/config'];
    };
    const before = await checksum([]);
    expect(before).toBe(await checksum([]));
    expect(await checksum(['config.logLevel=debug'])).not.toBe(before);
  });
});

describe('dev (embedded) install', () => {
  it('is one pod with no infrastructure', async () => {
    const objects = await chart.objects(await chart.render([ci('dev-embedded-values.yaml')]));
    expect(byKind(objects, 'Deployment').map((d) => d.metadata.name)).toEqual([
      'lm-little-monster-embedded',
    ]);
    expect(byKind(objects, 'StatefulSet')).toHaveLength(0);
    expect(byKind(objects, 'KafkaTopic')).toHaveLength(0);
    expect(named(objects, 'ConfigMap', '-config')?.data?.KAFKA_BROKERS).toBeUndefined();
  });
});

describe('external infrastructure', () => {
  it('renders no infrastructure and points the services at the given addresses', async () => {
    const objects = await chart.objects(await chart.render([ci('external-infra-values.yaml')]));
    expect(byKind(objects, 'StatefulSet')).toHaveLength(0);
    expect(byKind(objects, 'KafkaTopic')).toHaveLength(0);
    const config = named(objects, 'ConfigMap', '-config');
    expect(config?.data?.KAFKA_BROKERS).toContain('kafka-0.kafka.example.test:9092');
    expect(config?.data?.QDRANT_URL).toContain(':6333');
    const rtc = named(objects, 'Service', '-media-rtc');
    const ports = (rtc?.spec as { ports: { protocol: string }[] }).ports;
    expect(ports.filter((p) => p.protocol === 'UDP')).toHaveLength(10);
    expect(JSON.stringify(named(objects, 'Deployment', '-gateway'))).toContain(
      'little-monster-env',
    );
  });
});
