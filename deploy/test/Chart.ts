import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { DeployTools } from './DeployTools.js';

const run = promisify(execFile);

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHART_DIR = join(REPO_ROOT, 'deploy', 'little-monster');
export const CRD_SCHEMAS_DIR = join(REPO_ROOT, 'deploy', 'schemas');
export const RELEASE = 'lm';
export const NAMESPACE = 'little-monster';

/** A rendered Kubernetes object, as far as the tests look into it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}

/** The result of a command that is allowed to fail. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Renders and validates the chart with the pinned helm and kubeconform. */
export class Chart {
  constructor(private readonly tools: DeployTools) {}

  static ciValuesFiles(): string[] {
    return readdirSync(join(CHART_DIR, 'ci'))
      .filter((name) => name.endsWith('.yaml'))
      .sort()
      .map((name) => join(CHART_DIR, 'ci', name));
  }

  async exec(command: string, args: string[], input?: string): Promise<CommandResult> {
    try {
      const child = run(command, args, { maxBuffer: 64 * 1024 * 1024, cwd: REPO_ROOT });
      if (input !== undefined) {
        child.child.stdin?.end(input);
      }
      const { stdout, stderr } = await child;
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return {
        code: typeof failed.code === 'number' ? failed.code : 1,
        stdout: failed.stdout ?? '',
        stderr: failed.stderr ?? '',
      };
    }
  }

  private templateArgs(valuesFiles: string[], set: string[]): string[] {
    return [
      'template',
      RELEASE,
      CHART_DIR,
      '--namespace',
      NAMESPACE,
      '--kube-version',
      this.tools.kubernetesVersion,
      ...valuesFiles.flatMap((file) => ['-f', file]),
      ...set.flatMap((pair) => ['--set', pair]),
    ];
  }

  /** helm template; may fail (the result says how). */
  async tryRender(valuesFiles: string[], set: string[] = []): Promise<CommandResult> {
    return this.exec(this.tools.helm, this.templateArgs(valuesFiles, set));
  }

  async render(valuesFiles: string[], set: string[] = []): Promise<string> {
    const result = await this.tryRender(valuesFiles, set);
    if (result.code !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
    return result.stdout;
  }

  async objects(manifest: string): Promise<K8sObject[]> {
    const yaml = await this.tools.yaml();
    return yaml
      .parseAllDocuments(manifest)
      .map((doc) => {
        if (doc.errors.length > 0)
          throw new Error(`rendered YAML does not parse: ${String(doc.errors[0])}`);
        return doc.toJS() as K8sObject | null;
      })
      .filter((obj): obj is K8sObject => obj !== null && typeof obj === 'object');
  }

  async lint(valuesFile: string): Promise<CommandResult> {
    return this.exec(this.tools.helm, [
      'lint',
      '--strict',
      '--kube-version',
      this.tools.kubernetesVersion,
      CHART_DIR,
      '-f',
      valuesFile,
    ]);
  }

  /** kubeconform, strict, offline: Kubernetes schemas from kubernetes-validate, CRDs from deploy/schemas. */
  async validate(manifest: string): Promise<CommandResult> {
    return this.exec(
      this.tools.kubeconform,
      [
        '-strict',
        '-summary',
        '-output',
        'text',
        '-kubernetes-version',
        this.tools.kubernetesVersion,
        '-schema-location',
        join(this.tools.kubernetesSchemas, '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
        '-schema-location',
        join(CRD_SCHEMAS_DIR, '{{ .Group }}', '{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'),
        '-',
      ],
      manifest,
    );
  }
}

/** Parses kubeconform's summary line: "Summary: N resources found ... - Valid: V, Invalid: I, Errors: E, Skipped: S". */
export function kubeconformSummary(output: string): {
  valid: number;
  invalid: number;
  errors: number;
  skipped: number;
} {
  const match = /Valid: (\d+), Invalid: (\d+), Errors: (\d+), Skipped: (\d+)/.exec(output);
  if (!match) throw new Error(`no kubeconform summary in:\n${output}`);
  return {
    valid: Number(match[1]),
    invalid: Number(match[2]),
    errors: Number(match[3]),
    skipped: Number(match[4]),
  };
}
