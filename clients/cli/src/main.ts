import { parseArgs } from 'node:util';
import { connect } from './auth.js';
import { runCaption } from './commands/caption.js';
import { MaterialsUsageError, runMaterials } from './commands/materials.js';
import { runTranscribe } from './commands/transcribe.js';
import { GatewayError } from './GatewayClient.js';
import { runTutorCommand } from './tutorCommand.js';

const USAGE = `lm — Little Monster from the terminal

Usage:
  lm caption <audio-file> [--fast] [--title T] [--course ID] [--no-timestamps]
      Streams the file into a new live session at real-time pace (or as fast as possible with
      --fast) and shows the captions live: the provisional line is rewritten, finals are kept.
  lm transcribe <audio-file> [--format txt|vtt|srt|json] [--course ID]
      Uploads the recording, waits for its transcription job and prints the transcript.
  lm tutor --course ID ["question"] [--upload FILE]... [--conversation ID]
      Asks the course's tutor: one question, or a chat in the terminal without one (answers
      streamed, sources after). --upload adds notes (txt, md, pdf) first, as for
      \`lm materials upload\`.
  lm tutor --course ID --audio <audio-file> [--out answer.wav]
      Asks by voice; prints the answer and its sources and saves the spoken answer as WAV.
  lm materials upload <file> --course ID [--title T] [--private | --course-material]
      Uploads notes (txt, md, pdf). A student's upload is their private notes: only they see
      them, and the tutor answers them from them. A lecturer's is a course material, seen by
      every member (--private: the lecturer's own notes instead).
  lm materials list --course ID
      The course's materials and your own notes (marked private), with their ids.
  lm materials rm <material-id> [--course ID]
      Deletes your own notes (or, as a lecturer, a course material).

Common options:
  --url URL          the platform (default $LM_URL or http://127.0.0.1:8080)
  --token TOKEN      an access token (default $LM_TOKEN)
  --email, --password   sign in with an account ($LM_EMAIL, $LM_PASSWORD); against a platform on
                     this machine the development lecturer is used when none is given
  -h, --help
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      fast: { type: 'boolean', default: false },
      title: { type: 'string' },
      course: { type: 'string' },
      format: { type: 'string', default: 'txt' },
      'no-timestamps': { type: 'boolean', default: false },
      audio: { type: 'string' },
      out: { type: 'string' },
      upload: { type: 'string', multiple: true },
      conversation: { type: 'string' },
      private: { type: 'boolean', default: false },
      'course-material': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, file] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 2;
  }
  const connectOptions = {
    url: values.url ?? process.env.LM_URL ?? 'http://127.0.0.1:8080',
    token: values.token ?? process.env.LM_TOKEN,
    email: values.email ?? process.env.LM_EMAIL,
    password: values.password ?? process.env.LM_PASSWORD,
  };
  switch (command) {
    case 'caption': {
      if (!file) throw new UsageError('lm caption needs an audio file');
      const client = await connect(connectOptions);
      const result = await runCaption(
        client,
        {
          file,
          fast: values.fast,
          title: values.title,
          courseId: values.course,
          timestamps: !values['no-timestamps'],
          finishTimeoutMs: 120_000,
        },
        process.stdout,
      );
      process.stderr.write(
        `session ${result.sessionId}: ${result.finals.length} finals over ${(result.audioMs / 1000).toFixed(1)} s of audio\n`,
      );
      return 0;
    }
    case 'transcribe': {
      if (!file) throw new UsageError('lm transcribe needs an audio file');
      const format = values.format;
      if (format !== 'txt' && format !== 'vtt' && format !== 'srt' && format !== 'json')
        throw new UsageError('--format is one of txt, vtt, srt, json');
      const client = await connect(connectOptions);
      const transcript = await runTranscribe(client, {
        file,
        format,
        courseId: values.course,
        progress: process.stderr,
        timeoutMs: 30 * 60 * 1000,
      });
      process.stdout.write(transcript.endsWith('\n') ? transcript : `${transcript}\n`);
      return 0;
    }
    case 'tutor': {
      const courseId = values.course ?? process.env.LM_COURSE;
      if (!courseId) throw new UsageError('lm tutor needs --course ID (or $LM_COURSE)');
      const client = await connect(connectOptions);
      const result = await runTutorCommand(
        {
          client,
          courseId,
          ...(values.conversation ? { conversationId: values.conversation } : {}),
          ...(values.upload ? { upload: values.upload } : {}),
          ...(file ? { question: file } : {}),
          ...(values.audio ? { audio: values.audio } : {}),
          ...(values.out ? { out: values.out } : {}),
        },
        { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
      );
      if (result.conversationId)
        process.stderr.write(`conversation ${result.conversationId} (--conversation to go on)\n`);
      return 0;
    }
    case 'materials': {
      const [, subcommand, target] = positionals;
      if (subcommand !== 'upload' && subcommand !== 'list' && subcommand !== 'rm')
        throw new UsageError('lm materials needs one of: upload, list, rm');
      if (values.private && values['course-material'])
        throw new UsageError('--private and --course-material exclude each other');
      const courseId = values.course ?? process.env.LM_COURSE;
      if (subcommand !== 'list' && !target)
        throw new UsageError(
          `lm materials ${subcommand} needs ${subcommand === 'rm' ? 'a material id' : 'a file'}`,
        );
      if (subcommand !== 'rm' && !courseId)
        throw new UsageError(`lm materials ${subcommand} needs --course ID (or $LM_COURSE)`);
      const client = await connect(connectOptions);
      await runMaterials(
        client,
        {
          subcommand,
          target,
          courseId,
          title: values.title,
          visibility: values.private ? 'private' : values['course-material'] ? 'course' : undefined,
        },
        process.stdout,
      );
      return 0;
    }
    default:
      throw new UsageError(`Unknown command "${command}"`);
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof MaterialsUsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    const message =
      error instanceof GatewayError
        ? `${error.code}: ${error.message}`
        : error instanceof Error
          ? error.message
          : String(error);
    process.stderr.write(`lm: ${message}\n`);
    process.exit(1);
  },
);
