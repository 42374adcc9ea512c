import type { FastifyRequest } from 'fastify';
import { AppError, type Logger, type Principal } from '@lm/kit';
import type { Identity } from '@lm/identity';
import type { RecordingJobs, RecordingStorage } from '@lm/jobs';
import type { TranscriptStore } from '@lm/library';
import type { MaterialLibrary } from '@lm/library';
import { AudioPurpose, type AudioChunk } from '@lm/proto/audio/v1/audio';
import { registerIdentityRoutes } from './auth/identityRoutes.js';
import type { CaptionFanout } from './captions/CaptionFanout.js';
import { registerCaptionRoutes } from './captions/captionRoutes.js';
import type { Caption } from '@lm/api';
import type { Gateway } from './Gateway.js';
import { registerIngestRoutes } from './ingest/ingestRoutes.js';
import { indexEndedLecture } from './materials/indexEndedLecture.js';
import { registerMaterialRoutes, type MaterialLibraryPort } from './materials/materialRoutes.js';
import { registerSpeechRoutes, type SpeechPort } from './speech/speechRoutes.js';
import { registerTutorRoutes, type TutorPort, type VoiceTutorPort } from './tutor/tutorRoutes.js';
import { registerRecordingRoutes } from './recordings/recordingRoutes.js';
import { registerRtcRoutes, type MediaSignalingPort } from './rtc/rtcRoutes.js';
import { SessionPolicy, type CourseMembership } from './sessions/SessionPolicy.js';
import { registerSessionRoutes } from './sessions/sessionRoutes.js';
import type { LiveSession } from '@lm/api';
import type { SessionStore } from './sessions/SessionStore.js';
import { hasWebApp, registerWebRoutes } from './web/webRoutes.js';

export interface PlatformRouteDeps {
  logger: Logger;
  identity: Identity;
  sessions: SessionStore;
  transcripts: TranscriptStore;
  fanout: CaptionFanout;
  publishAudio(chunk: AudioChunk): Promise<void>;
  /** The media service (in process, or its client); without it WebRTC signaling is not offered. */
  media?: MediaSignalingPort | undefined;
  /** After a session ended: close its room, tell viewers, index its transcript. */
  onSessionEnded?(session: LiveSession): Promise<void> | void;
  keycloakIssuer?: string | undefined;
  /** Uploaded recordings and their transcription jobs; without it the recording routes are absent. */
  recordings?: RecordingJobs | undefined;
  /** Live lectures' recorded audio (the LectureRecorder's folder); without it sessions have no audio. */
  lectureAudio?: RecordingStorage | undefined;
  /** The built web app (clients/web/dist); served under /app/ when it has been built. */
  webDistDir?: string | undefined;
  /** Course materials and search; without it those routes are absent and lectures are not indexed. */
  library?: (MaterialLibraryPort & Pick<MaterialLibrary, 'indexTranscript'>) | undefined;
  /** Text tutoring (and voice tutoring when `voice` is given too). */
  tutor?: { tutor: TutorPort; voice?: VoiceTutorPort | undefined } | undefined;
  /** Voices and the plain synthesize API. */
  speech?: SpeechPort | undefined;
}

/** Course questions answered by the identity package's AccessPolicy. */
export function courseMembership(identity: Identity): CourseMembership {
  return {
    isLecturer: async (principal, courseId) =>
      (await identity.policy.courseRole(principal, courseId)) === 'lecturer',
    isMember: async (principal, courseId) =>
      (await identity.policy.courseRole(principal, courseId)) !== undefined,
  };
}

/** Every API route of the gateway, wired to the platform's services. */
export function registerPlatformRoutes(gateway: Gateway, deps: PlatformRouteDeps): void {
  const policy = new SessionPolicy(courseMembership(deps.identity));
  gateway.addRoutes((app) => {
    const authenticator = registerIdentityRoutes(app, {
      identity: deps.identity,
      logger: deps.logger,
      keycloakIssuer: deps.keycloakIssuer,
    });
    const authenticate = (request: FastifyRequest): Promise<Principal> =>
      authenticator.authenticate(request);
    const liveSessionFor = async (request: FastifyRequest, sessionId: string) => {
      const principal = await authenticate(request);
      return { principal, session: await deps.sessions.get(sessionId) };
    };

    registerSessionRoutes(app, {
      sessions: deps.sessions,
      transcripts: deps.transcripts,
      lectureAudio: deps.lectureAudio,
      policy,
      viewerCount: (sessionId) => deps.fanout.viewerCount(sessionId),
      authenticate,
      onEnded: async (session) => {
        deps.fanout.end(session.id);
        await deps.onSessionEnded?.(session);
        if (session.kind === 'tutoring') await deps.tutor?.voice?.voice.endSession(session.id);
        if (deps.library)
          void indexEndedLecture(session, {
            library: deps.library,
            transcripts: deps.transcripts,
            logger: deps.logger,
          });
      },
    });

    registerCaptionRoutes(app, {
      fanout: deps.fanout,
      logger: deps.logger,
      storedFinals: async (sessionId) =>
        toCaptions(sessionId, await deps.transcripts.finals(sessionId, { limit: 50 })),
      authorizeViewer: async (request, sessionId) => {
        const { principal, session } = await liveSessionFor(request, sessionId);
        await policy.assertCanView(principal, session);
      },
    });

    registerIngestRoutes(app, {
      logger: deps.logger,
      publishAudio: (chunk) => deps.publishAudio(chunk),
      authorizePublisher: async (request, sessionId) => {
        const { principal, session } = await liveSessionFor(request, sessionId);
        // Someone else's session looks like no session at all.
        await policy.assertCanView(principal, session);
        policy.assertCanPublish(principal, session);
        // A tutoring room's audio is a student talking to the tutor, not a lecture.
        return session.kind === 'tutoring'
          ? { purpose: AudioPurpose.AUDIO_PURPOSE_TUTOR }
          : { purpose: AudioPurpose.AUDIO_PURPOSE_LECTURE };
      },
    });

    if (deps.recordings) {
      registerRecordingRoutes(app, {
        recordings: deps.recordings,
        transcripts: deps.transcripts,
        access: deps.identity.policy,
        authenticate,
      });
    }

    if (deps.library)
      registerMaterialRoutes(app, {
        library: deps.library,
        access: deps.identity.policy,
        authenticate,
      });
    if (deps.tutor)
      registerTutorRoutes(app, {
        tutor: deps.tutor.tutor,
        voice: deps.tutor.voice,
        sessions: deps.sessions,
        access: deps.identity.policy,
        logger: deps.logger,
        authenticate,
      });
    if (deps.speech) registerSpeechRoutes(app, { speech: deps.speech, authenticate });

    const media = deps.media;
    if (media) {
      registerRtcRoutes(app, {
        media,
        logger: deps.logger,
        authorizePeer: async (request, sessionId, role) => {
          const { principal, session } = await liveSessionFor(request, sessionId);
          await policy.assertCanView(principal, session);
          if (role === 'publisher') policy.assertCanPublish(principal, session);
          else if (session.status !== 'live')
            throw new AppError('failed_precondition', 'The session has ended');
          return { peerId: `${principal.userId}:${Math.random().toString(36).slice(2, 8)}` };
        },
      });
    }

    if (deps.webDistDir && hasWebApp(deps.webDistDir))
      registerWebRoutes(app, { distDir: deps.webDistDir });
  });
}

function toCaptions(
  sessionId: string,
  finals: Awaited<ReturnType<TranscriptStore['finals']>>,
): Caption[] {
  return finals.map((f) => ({
    sessionId,
    streamId: '',
    segmentIndex: f.segmentIndex,
    revision: 0,
    kind: 'final',
    text: f.text,
    startMs: f.startMs,
    endMs: f.endMs,
    words: f.words,
    emittedAtMs: 0,
    audioCapturedAtMs: 0,
    fannedOutAtMs: 0,
    streamEnded: false,
  }));
}
