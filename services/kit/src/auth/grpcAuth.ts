import {
  Metadata,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
  type sendUnaryData,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { toServiceError } from '../grpc.js';
import type { TokenVerifier } from './JwksTokenVerifier.js';
import type { Principal } from './Principal.js';

/** gRPC metadata key of the caller's access token (`Bearer <jwt>`), as HTTP's header. */
export const AUTHORIZATION_METADATA = 'authorization';

/** Where verified callers are kept for the handler: keyed by the call's metadata object. */
const callers = new WeakMap<Metadata, Principal>();

/** Reads and verifies the bearer token in a call's metadata. */
export async function authenticateMetadata(
  metadata: Metadata,
  verifier: TokenVerifier,
): Promise<Principal> {
  const values = metadata.get(AUTHORIZATION_METADATA);
  if (values.length !== 1 || typeof values[0] !== 'string')
    throw new AppError('unauthenticated', 'Missing bearer token in gRPC metadata');
  const header = values[0];
  if (!header.startsWith('Bearer '))
    throw new AppError('unauthenticated', 'The authorization metadata is not a bearer token');
  return verifier.verify(header.slice('Bearer '.length).trim());
}

/**
 * The verified caller of a call wrapped by `withCallerIdentity` — pass `call.metadata` (or the
 * `metadata` of kit's `GrpcCallContext`). Throws when the call was not authenticated, so a
 * handler registered without the wrapper fails closed.
 */
export function callerOf(metadata: Metadata): Principal {
  const principal = callers.get(metadata);
  if (!principal) throw new AppError('unauthenticated', 'Call was not authenticated');
  return principal;
}

export interface CallerIdentityOptions {
  verifier: TokenVerifier;
  logger?: Logger;
  /** Only service identities (client credentials / local service tokens) may call. Default true. */
  servicesOnly?: boolean;
}

/**
 * Wraps every method of a gRPC service implementation so that it runs only after the caller's
 * token (metadata `authorization: Bearer …`) verified; otherwise the call ends with
 * UNAUTHENTICATED (or PERMISSION_DENIED for a person where only services may call). Use it with
 * `GrpcServer.addService(name, definition, withCallerIdentity(definition, impl, options))`.
 */
export function withCallerIdentity<Impl extends UntypedServiceImplementation>(
  definition: ServiceDefinition,
  implementation: Impl,
  options: CallerIdentityOptions,
): Impl {
  const wrapped: UntypedServiceImplementation = {};
  const servicesOnly = options.servicesOnly ?? true;
  const check = async (metadata: Metadata): Promise<void> => {
    const principal = await authenticateMetadata(metadata, options.verifier);
    if (servicesOnly && principal.kind !== 'service')
      throw new AppError('permission_denied', 'Only platform services may call this');
    callers.set(metadata, principal);
  };
  for (const [name, method] of Object.entries(definition)) {
    const handler = implementation[name] as ((...args: unknown[]) => void) | undefined;
    if (!handler) continue;
    if (!method.requestStream && !method.responseStream) {
      wrapped[name] = (
        call: ServerUnaryCall<unknown, unknown>,
        callback: sendUnaryData<unknown>,
      ) => {
        check(call.metadata).then(
          () => handler(call, callback),
          (error: unknown) => callback(toServiceError(error, options.logger)),
        );
      };
    } else if (method.requestStream && !method.responseStream) {
      wrapped[name] = (
        call: ServerReadableStream<unknown, unknown>,
        callback: sendUnaryData<unknown>,
      ) => {
        check(call.metadata).then(
          () => handler(call, callback),
          (error: unknown) => callback(toServiceError(error, options.logger)),
        );
      };
    } else {
      wrapped[name] = (
        call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
      ) => {
        check(call.metadata).then(
          () => handler(call),
          // grpc-js sends the status from its own 'error' listener; destroy() would drop it.
          (error: unknown) => call.emit('error', toServiceError(error, options.logger)),
        );
      };
    }
  }
  return wrapped as Impl;
}

/** Something that hands out this service's own access token (refreshed before it expires). */
export interface ServiceTokenSource {
  token(): Promise<string>;
}

/** Metadata carrying this service's identity, for an outgoing call. */
export async function serviceMetadata(source: ServiceTokenSource): Promise<Metadata> {
  const metadata = new Metadata();
  metadata.set(AUTHORIZATION_METADATA, `Bearer ${await source.token()}`);
  return metadata;
}
