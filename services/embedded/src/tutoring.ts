import { join } from 'node:path';
import type { Db } from '@lm/db';
import type { PlatformRouteDeps } from '@lm/gateway';
import { loadConfig, type Logger } from '@lm/kit';
import { openMaterialLibrary } from '@lm/library';
import { SileroStream, SileroVad } from '@lm/models';
import { PiperSynthesizer, ReplySpeaker, SpeechService, speechConfigSchema } from '@lm/speech';
import { speechAudioTopic, tutorRepliesTopic, type Bus } from '@lm/streams';
import {
  ConversationStore,
  TutorService,
  VoiceTutor,
  createLlm,
  spokenSentences,
  tutorConfigSchema,
  tutorDb,
} from '@lm/tutor';

/**
 * The materials library, the tutor (text and voice) and the speech service in the embedded
 * process, each built as its own main would build it. The returned `routes` are the gateway's
 * `library`, `tutor` and `speech` dependencies.
 */
export async function startTutoring(options: {
  db: Db;
  bus: Bus;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  logger: Logger;
}): Promise<{
  routes: Pick<PlatformRouteDeps, 'library' | 'tutor' | 'speech'>;
  close(): Promise<void>;
}> {
  const { db, bus, env, logger } = options;
  const tutorConfig = loadConfig(tutorConfigSchema, env);
  const speechConfig = loadConfig(speechConfigSchema, env);
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch (error) {
        logger.error({ err: error, component: 'tutoring' }, 'close failed');
      }
    }
  };
  try {
    const { library, embedder } = await openMaterialLibrary({
      db,
      qdrant: tutorConfig,
      vectorsDir: join(options.dataDir, 'vectors'),
      logger: logger.child({ component: 'library' }),
      onClose: (_name, close) => closers.push(close),
    });

    const store = new ConversationStore(tutorDb(db.kysely));
    const llm = createLlm({
      ollamaUrl: tutorConfig.OLLAMA_URL,
      ollamaModel: tutorConfig.OLLAMA_MODEL,
      embedder,
      logger,
    });
    const tutor = new TutorService({
      store,
      retriever: library,
      llm,
      logger: logger.child({ component: 'tutor' }),
    });
    const vad = await SileroVad.load();
    closers.push(() => vad.close());
    const voice = new VoiceTutor({
      bus,
      tutor,
      store,
      logger: logger.child({ component: 'voice-tutor' }),
      createSpeechDetector: () => new SileroStream(vad),
      endOfTurn: { unfinishedGraceMs: tutorConfig.TUTOR_TURN_GRACE_MS },
    });
    await voice.start();
    closers.push(() => voice.stop());

    const synthesizer = new PiperSynthesizer(speechConfig.SPEECH_VOICE);
    closers.push(() => synthesizer.close());
    await synthesizer.warm();
    const speaker = new ReplySpeaker({
      bus,
      synthesizer,
      logger: logger.child({ component: 'speech' }),
      voiceId: speechConfig.SPEECH_VOICE,
      leadMs: speechConfig.SPEECH_LEAD_MS,
    });
    // The model's stock phrases (the extractive lead-in) are spoken from the cache at once.
    await speaker.warm((llm.stockPhrases ?? []).flatMap(spokenSentences));
    await speaker.start();
    closers.push(() => speaker.stop());

    return {
      routes: {
        library,
        tutor: {
          tutor,
          voice: {
            voice,
            tailReplies: (handler) => bus.tail(tutorRepliesTopic, handler),
            tailSpeech: (handler) => bus.tail(speechAudioTopic, handler),
          },
        },
        speech: new SpeechService(synthesizer),
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
