import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Raised when a tool the deploy checks need is not installed: these checks never skip. */
export class DeployToolsMissingError extends Error {
  override readonly name = 'DeployToolsMissingError';
}

/** The subset of the `yaml` package the tests use. */
export interface YamlModule {
  parseAllDocuments(text: string): { toJS(): unknown; errors: unknown[] }[];
  parse(text: string): unknown;
}

/**
 * The tools installed by scripts/setup/tools.sh, located through the env file it writes
 * ($LM_CACHE_DIR/tools/env.sh). Missing tools are an error that says how to install them.
 */
export class DeployTools {
  private constructor(
    readonly helm: string,
    readonly kubeconform: string,
    readonly hadolint: string,
    readonly kubernetesSchemas: string,
    readonly kubernetesVersion: string,
    private readonly yamlModulePath: string,
  ) {}

  static load(): DeployTools {
    const cache = process.env.LM_CACHE_DIR ?? join(homedir(), '.cache', 'little-monster');
    const envFile = join(cache, 'tools', 'env.sh');
    const hint = 'run: bash scripts/setup/tools.sh';
    if (!existsSync(envFile)) {
      throw new DeployToolsMissingError(
        `the deploy tools are not installed (${envFile} is missing); ${hint}`,
      );
    }
    const values = new Map<string, string>();
    for (const line of readFileSync(envFile, 'utf8').split('\n')) {
      const match = /^([A-Z_]+)="(.*)"$/.exec(line);
      if (match?.[1] && match[2] !== undefined) values.set(match[1], match[2]);
    }
    const need = (key: string): string => {
      const value = values.get(key);
      if (!value) throw new DeployToolsMissingError(`${envFile} does not name ${key}; ${hint}`);
      if (!existsSync(value))
        throw new DeployToolsMissingError(`${key}=${value} does not exist; ${hint}`);
      return value;
    };
    return new DeployTools(
      need('LM_HELM'),
      need('LM_KUBECONFORM'),
      need('LM_HADOLINT'),
      need('LM_KUBERNETES_SCHEMAS'),
      values.get('LM_KUBERNETES_VERSION') ?? '1.33.0',
      need('LM_YAML_MODULE'),
    );
  }

  async yaml(): Promise<YamlModule> {
    const loaded = (await import(pathToFileURL(this.yamlModulePath).href)) as YamlModule & {
      default?: YamlModule;
    };
    return typeof loaded.parseAllDocuments === 'function' ? loaded : (loaded.default as YamlModule);
  }
}
