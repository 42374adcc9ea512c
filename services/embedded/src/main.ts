// Starts the whole platform in one process on embedded defaults: the README's run command.
import { AppError, GracefulShutdown, createLogger } from '@lm/kit';
import { startEmbeddedPlatform } from './platform.js';

const logger = createLogger({ service: 'embedded' });
const shutdown = new GracefulShutdown(logger);
shutdown.listen();

try {
  const platform = await startEmbeddedPlatform({ logger, env: process.env });
  shutdown.add('platform', () => platform.close());
  logger.info({ url: platform.url }, `Little Monster is running at ${platform.url}`);
} catch (error) {
  const appError = AppError.from(error);
  // Configuration errors already name the variable; print them plainly for a person.
  process.stderr.write(
    `Little Monster failed to start: ${AppError.is(error) ? error.message : String(error)}\n`,
  );
  logger.fatal({ err: error, code: appError.code }, 'start-up failed');
  process.exit(1);
}
