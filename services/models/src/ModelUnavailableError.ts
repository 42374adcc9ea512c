import { AppError } from '@lm/kit';
import { FETCH_COMMAND } from './modelsDir.js';

export type ModelProblem = 'unknown' | 'missing' | 'corrupt' | 'runtime';

/**
 * A model cannot be used: not in the manifest, not fetched, or its bytes do not match the pinned
 * sha256. The message names the model and the command that fixes it; retrying does not help.
 */
export class ModelUnavailableError extends AppError {
  readonly modelId: string;
  readonly problem: ModelProblem;

  constructor(modelId: string, problem: ModelProblem, detail: string, cause?: unknown) {
    const fix =
      problem === 'unknown'
        ? 'see services/models/manifest.json for the known ids'
        : `run \`${FETCH_COMMAND}\` to fetch it`;
    super(
      'failed_precondition',
      `Model "${modelId}" is ${problem === 'runtime' ? 'not usable' : problem}: ${detail}; ${fix}`,
      {
        details: {
          model: modelId,
          problem,
          fix: problem === 'unknown' ? undefined : FETCH_COMMAND,
        },
        cause,
      },
    );
    this.name = 'ModelUnavailableError';
    this.modelId = modelId;
    this.problem = problem;
  }
}
