import os from 'node:os';
import { env, loadConfig } from '@lm/kit';
import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** Media service settings, read from the environment once at start-up. */
export const mediaConfigSchema = z
  .object({
    /** Local IP the WebRTC transports listen on. */
    MEDIA_LISTEN_IP: env.host('127.0.0.1'),
    /** Public IP or host name put in ICE candidates (behind NAT / in a pod); the listen IP if unset. */
    MEDIA_ANNOUNCED_ADDRESS: optionalString,
    /** UDP/TCP port range for WebRTC transports (open these in the firewall / pod spec). */
    MEDIA_RTC_MIN_PORT: env.port(40000),
    MEDIA_RTC_MAX_PORT: env.port(40999),
    /** mediasoup workers (one per core by default). */
    MEDIA_WORKERS: env.positiveInt(os.availableParallelism()),
    /** Replace a worker that died, so that new rooms still have a full pool. */
    MEDIA_RECREATE_WORKERS: env.boolean(true),
    MEDIA_WORKER_LOG_LEVEL: z.enum(['debug', 'warn', 'error', 'none']).default('warn'),
    /** Path of the mediasoup-worker binary; defaults to the one scripts/setup/mediasoup.sh builds. */
    MEDIASOUP_WORKER_BIN: optionalString,
    /** Loopback address where the audio tap's PlainTransports send RTP to ffmpeg. */
    MEDIA_TAP_IP: env.host('127.0.0.1'),
    /** Local UDP ports ffmpeg listens on for tapped RTP (two per tapped producer). */
    MEDIA_TAP_MIN_PORT: env.port(41000),
    MEDIA_TAP_MAX_PORT: env.port(41999),
    /** PCM chunk length on the audio topic. */
    MEDIA_CHUNK_MS: z.coerce.number().int().min(20).max(200).default(100),
  })
  .refine((c) => c.MEDIA_RTC_MIN_PORT < c.MEDIA_RTC_MAX_PORT, {
    message: 'must be greater than MEDIA_RTC_MIN_PORT',
    path: ['MEDIA_RTC_MAX_PORT'],
  })
  .refine((c) => c.MEDIA_TAP_MIN_PORT + 1 < c.MEDIA_TAP_MAX_PORT, {
    message: 'must be greater than MEDIA_TAP_MIN_PORT + 1',
    path: ['MEDIA_TAP_MAX_PORT'],
  });

export type MediaEnv = z.infer<typeof mediaConfigSchema>;

/** The settings as the media classes use them. */
export interface MediaConfig {
  listenIp: string;
  announcedAddress: string | undefined;
  rtcMinPort: number;
  rtcMaxPort: number;
  workers: number;
  recreateWorkers: boolean;
  workerLogLevel: 'debug' | 'warn' | 'error' | 'none';
  workerBin: string | undefined;
  tapIp: string;
  tapMinPort: number;
  tapMaxPort: number;
  chunkMs: number;
}

/** Reads and validates the media settings; a bad value throws an AppError naming the variable. */
export function loadMediaConfig(source: NodeJS.ProcessEnv = process.env): MediaConfig {
  const e = loadConfig(mediaConfigSchema, source);
  return {
    listenIp: e.MEDIA_LISTEN_IP,
    announcedAddress: e.MEDIA_ANNOUNCED_ADDRESS,
    rtcMinPort: e.MEDIA_RTC_MIN_PORT,
    rtcMaxPort: e.MEDIA_RTC_MAX_PORT,
    workers: e.MEDIA_WORKERS,
    recreateWorkers: e.MEDIA_RECREATE_WORKERS,
    workerLogLevel: e.MEDIA_WORKER_LOG_LEVEL,
    workerBin: e.MEDIASOUP_WORKER_BIN,
    tapIp: e.MEDIA_TAP_IP,
    tapMinPort: e.MEDIA_TAP_MIN_PORT,
    tapMaxPort: e.MEDIA_TAP_MAX_PORT,
    chunkMs: e.MEDIA_CHUNK_MS,
  };
}

/**
 * The media service as its own process (main.ts): gRPC and ops ports, who may call it, and how
 * long a shutdown waits for live rooms. The mediasoup settings above come on top.
 */
export const mediaServiceConfigSchema = z.object({
  GRPC_HOST: env.host('0.0.0.0'),
  GRPC_PORT: env.port(50051),
  OPS_HOST: env.host('0.0.0.0'),
  OPS_PORT: env.port(9090),
  LOG_LEVEL: env.logLevel(),
  /** Service clients (comma-separated `azp`) allowed to drive rooms; empty: any service. */
  MEDIA_ALLOWED_CLIENTS: z
    .string()
    .default('lm-gateway')
    .transform((v) =>
      v
        .split(',')
        .map((c) => c.trim())
        .filter((c) => c !== ''),
    ),
  /**
   * On SIGTERM, how long live rooms may go on (new rooms are refused) before they are closed.
   * Keep it below the pod's termination grace period.
   */
  MEDIA_DRAIN_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
});

export type MediaServiceConfig = z.infer<typeof mediaServiceConfigSchema>;
