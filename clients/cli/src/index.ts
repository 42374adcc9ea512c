export * from './GatewayClient.js';
export * from './CaptionRenderer.js';
export * from './auth.js';
export {
  runCaption,
  type CaptionOptions,
  type CaptionRunResult,
  type ReceivedCaption,
} from './commands/caption.js';
export { runTranscribe, type TranscribeOptions } from './commands/transcribe.js';
export {
  MaterialsUsageError,
  formatMaterialLine,
  runMaterials,
  uploadNotes,
  type MaterialsArgs,
} from './commands/materials.js';
export { runTutorCommand, type TutorCommandArgs } from './tutorCommand.js';
