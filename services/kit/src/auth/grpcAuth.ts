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

/**
 * gRPC metadata key of the end user's own access token (a bare JWT), sent next to the calling
 * service's token when the service acts for a person: the called service verifies it itself and
 * applies its own access rules, instead of trusting ids the caller claims.
 */
export const USER_TOKEN_METADATA = 'x-lm-user-token';

/** Where verified callers are kept for the handler: keyed by the call's metadata object. */
const callers = new WeakMap<Metadata, Principal>();
/** Where verified end users (USER_TOKEN_METADATA) are kept, likewise. */
const endUsers = new WeakMap<Metadata, Principal>();

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

/**
 * The verified end user a wrapped call acts for (metadata `x-lm-user-token`). Throws
 * `unauthenticated` when the call carried none, so a handler that needs a person fails closed.
 */
export function endUserOf(metadata: Metadata): Principal {
  const principal = endUsers.get(metadata);
  if (!principal)
    throw new AppError('unauthenticated', 'The call does not act for a signed-in user');
  return principal;
}

/** The verified end user when the call carried one. */
export function maybeEndUserOf(metadata: Metadata): Principal | undefined {
  return endUsers.get(metadata);
}

/** Verifies the end user's token of a call, when there is one; it must be a person's. */
export async function authenticateEndUser(
  metadata: Metadata,
  verifier: TokenVerifier,
): Promise<Principal | undefined> {
  const values = metadata.get(USER_TOKEN_METADATA);
  if (values.length === 0) return undefined;
  if (values.length !== 1 || typeof values[0] !== 'string')
    throw new AppError('unauthenticated', `Malformed ${USER_TOKEN_METADATA} metadata`);
  const principal = await verifier.verify(values[0].replace(/^Bearer /, '').trim());
  // A service token in the user slot would let a service act as "nobody in particular".
  if (principal.kind !== 'user')
    throw new AppError('permission_denied', `${USER_TOKEN_METADATA} must be a person's token`);
  return principal;
}

export interface CallerIdentityOptions {
  verifier: TokenVerifier;
  logger?: Logger;
  /** Only service identities (client credentials / local service tokens) may call. Default true. */
  servicesOnly?: boolean;
  /**
   * The end user's token (`x-lm-user-token`): `required` — every call must act for a person
   * (verified here, read with `endUserOf`); `optional` — verified when present; `ignored` —
   * not read (default). Per method: a map from the method's name in the definition.
   */
  endUser?: EndUserRule | Partial<Record<string, EndUserRule>>;
}

export type EndUserRule = 'required' | 'optional' | 'ignored';

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
  const ruleFor = (name: string): EndUserRule =>
    typeof options.endUser === 'string' ? options.endUser : (options.endUser?.[name] ?? 'ignored');
  const checkCaller = async (metadata: Metadata, rule: EndUserRule): Promise<void> => {
    const principal = await authenticateMetadata(metadata, options.verifier);
    if (servicesOnly && principal.kind !== 'service')
      throw new AppError('permission_denied', 'Only platform services may call this');
    callers.set(metadata, principal);
    if (rule === 'ignored') return;
    const user = await authenticateEndUser(metadata, options.verifier);
    if (user) endUsers.set(metadata, user);
    else if (rule === 'required')
      throw new AppError(
        'unauthenticated',
        `Missing ${USER_TOKEN_METADATA}: this call acts for a user`,
      );
  };
  for (const [name, method] of Object.entries(definition)) {
    const handler = implementation[name] as ((...args: unknown[]) => void) | undefined;
    if (!handler) continue;
    const rule = ruleFor(name);
    const check = (metadata: Metadata) => checkCaller(metadata, rule);
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

/**
 * Metadata carrying this service's identity, for an outgoing call; with `userToken`, also the
 * end user's access token the call acts for (on-behalf-of), which the callee verifies itself.
 */
export async function serviceMetadata(
  source: ServiceTokenSource,
  userToken?: string,
): Promise<Metadata> {
  const metadata = new Metadata();
  metadata.set(AUTHORIZATION_METADATA, `Bearer ${await source.token()}`);
  if (userToken) metadata.set(USER_TOKEN_METADATA, userToken);
  return metadata;
}
