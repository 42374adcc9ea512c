import { homedir } from 'node:os';
import { join } from 'node:path';

/** The command that fetches every model; named in every "model missing" error. */
export const FETCH_COMMAND = 'bash scripts/setup/models.sh';

/**
 * Where fetched models live: LM_MODELS_DIR, else $LM_CACHE_DIR/models, else
 * ~/.cache/little-monster/models (the same default as scripts/lib/common.sh).
 */
export function modelsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LM_MODELS_DIR) return env.LM_MODELS_DIR;
  const cache = env.LM_CACHE_DIR || join(homedir(), '.cache', 'little-monster');
  return join(cache, 'models');
}
