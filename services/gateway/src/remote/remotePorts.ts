import { z } from 'zod';
import { AppError, loadConfig, type ServiceTokenSource } from '@lm/kit';
import { speechAudioTopic, tutorRepliesTopic, type Bus } from '@lm/streams';
import type { PlatformRouteDeps } from '../platformRoutes.js';
import { RemoteCallAuth } from './RemoteCallAuth.js';
import { RemoteMaterialLibrary } from './RemoteMaterialLibrary.js';
import { RemoteSpeech } from './RemoteSpeech.js';
import { RemoteTutor } from './RemoteTutor.js';
import type { UserTokenContext } from './UserTokenContext.js';

/** Where the services answer (host:port; the Helm chart sets `<NAME>_GRPC_ADDRESS`). */
export const remoteServicesConfigSchema = z.object({
  LIBRARY_GRPC_ADDRESS: z.string().min(1).optional(),
  TUTOR_GRPC_ADDRESS: z.string().min(1).optional(),
  SPEECH_GRPC_ADDRESS: z.string().min(1).optional(),
});

export interface RemotePorts {
  library: PlatformRouteDeps['library'];
  tutor: PlatformRouteDeps['tutor'];
  speech: PlatformRouteDeps['speech'];
  /** Which services are wired, for the status page. */
  names: string[];
  close(): void;
}

/**
 * gRPC clients of the library, tutor and speech services as the gateway's route ports, for each
 * service whose address is set. Every call carries the gateway's service token and the user's
 * own token (from `users`), so the service checks both. Voice tutoring's replies and audio come
 * from the bus (every gateway replica tails them).
 */
export function remotePortsFromEnv(options: {
  env?: NodeJS.ProcessEnv;
  /** The gateway's identity; asked for only when some service address is set. */
  tokens: () => ServiceTokenSource | undefined;
  users: UserTokenContext;
  bus: Bus;
}): RemotePorts {
  const config = loadConfig(remoteServicesConfigSchema, options.env);
  const ports: RemotePorts = {
    library: undefined,
    tutor: undefined,
    speech: undefined,
    names: [],
    close: () => undefined,
  };
  const any =
    config.LIBRARY_GRPC_ADDRESS || config.TUTOR_GRPC_ADDRESS || config.SPEECH_GRPC_ADDRESS;
  if (!any) return ports;
  const tokens = options.tokens();
  if (!tokens)
    throw new AppError(
      'invalid_argument',
      'Invalid configuration: calling services needs the gateway’s identity — with Keycloak set ' +
        'LM_CLIENT_SECRET_GATEWAY (client lm-gateway)',
    );
  const auth = new RemoteCallAuth(tokens, options.users);
  const closers: (() => void)[] = [];
  if (config.LIBRARY_GRPC_ADDRESS) {
    const library = new RemoteMaterialLibrary(config.LIBRARY_GRPC_ADDRESS, auth);
    ports.library = library;
    closers.push(() => library.close());
    ports.names.push(`library (${config.LIBRARY_GRPC_ADDRESS})`);
  }
  if (config.TUTOR_GRPC_ADDRESS) {
    const tutor = new RemoteTutor(config.TUTOR_GRPC_ADDRESS, auth);
    const { bus } = options;
    ports.tutor = {
      tutor,
      voice: {
        voice: tutor,
        tailReplies: (handler) => bus.tail(tutorRepliesTopic, handler),
        tailSpeech: (handler) => bus.tail(speechAudioTopic, handler),
      },
    };
    closers.push(() => tutor.close());
    ports.names.push(`tutor (${config.TUTOR_GRPC_ADDRESS})`);
  }
  if (config.SPEECH_GRPC_ADDRESS) {
    const speech = new RemoteSpeech(config.SPEECH_GRPC_ADDRESS, auth);
    ports.speech = speech;
    closers.push(() => speech.close());
    ports.names.push(`speech (${config.SPEECH_GRPC_ADDRESS})`);
  }
  ports.close = () => closers.forEach((close) => close());
  return ports;
}
