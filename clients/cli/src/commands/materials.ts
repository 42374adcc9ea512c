import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Writable } from 'node:stream';
import type { Material } from '@lm/api';
import { GatewayError, type GatewayClient } from '../GatewayClient.js';

export type MaterialsSubcommand = 'upload' | 'list' | 'rm';

export interface MaterialsArgs {
  subcommand: MaterialsSubcommand;
  /** Required for upload and list; rm finds the material in the caller's courses without it. */
  courseId?: string | undefined;
  /** upload: the file; rm: the material id. */
  target?: string | undefined;
  title?: string | undefined;
  /** upload: 'private' or 'course'; undefined picks by the caller's role in the course. */
  visibility?: 'course' | 'private' | undefined;
}

/**
 * Uploads a file to a course. Without an explicit visibility a lecturer of the course uploads a
 * course material and anyone else their private notes — so `lm materials upload notes.md
 * --course X` just works for a student (the API itself refuses a student's course upload).
 */
export async function uploadNotes(
  client: GatewayClient,
  courseId: string,
  file: string,
  options: { title?: string | undefined; visibility?: 'course' | 'private' | undefined } = {},
): Promise<Material> {
  const data = await readFile(file);
  const visibility =
    options.visibility ??
    ((await client.course(courseId)).role === 'lecturer' ? 'course' : 'private');
  return client.uploadMaterial(courseId, data, {
    filename: basename(file),
    ...(options.title ? { title: options.title } : {}),
    visibility,
  });
}

/** `lm materials upload|list|rm`: a course's materials and the caller's own notes. */
export async function runMaterials(
  client: GatewayClient,
  args: MaterialsArgs,
  out: Writable,
): Promise<void> {
  switch (args.subcommand) {
    case 'upload': {
      if (!args.target) throw new MaterialsUsageError('lm materials upload needs a file');
      const courseId = requireCourse(args);
      const material = await uploadNotes(client, courseId, args.target, args);
      out.write(
        `uploaded ${args.target} as ${describe(material)}: ${material.id} "${material.title}", ` +
          `${material.chunkCount} ${material.chunkCount === 1 ? 'passage' : 'passages'}\n`,
      );
      return;
    }
    case 'list': {
      const materials = await client.materials(requireCourse(args));
      if (materials.length === 0) {
        out.write('no materials yet\n');
        return;
      }
      for (const m of materials) out.write(`${formatMaterialLine(m)}\n`);
      return;
    }
    case 'rm': {
      if (!args.target) throw new MaterialsUsageError('lm materials rm needs a material id');
      const courseId = args.courseId ?? (await courseOf(client, args.target));
      await client.deleteMaterial(courseId, args.target);
      out.write(`deleted ${args.target}\n`);
      return;
    }
  }
}

/** One line of `lm materials list`: id, who sees it, kind, passages, title (file). */
export function formatMaterialLine(m: Material): string {
  const visibility = m.visibility === 'private' ? 'private' : 'course ';
  const kind = m.kind === 'lecture' ? 'lecture ' : 'material';
  return `${m.id}  ${visibility}  ${kind}  ${String(m.chunkCount).padStart(4)} passages  ${m.title} (${m.filename})`;
}

function describe(m: Material): string {
  return m.visibility === 'private' ? 'your private notes (only you see them)' : 'course material';
}

function requireCourse(args: MaterialsArgs): string {
  if (!args.courseId)
    throw new MaterialsUsageError(`lm materials ${args.subcommand} needs --course ID`);
  return args.courseId;
}

/** The course of a material the caller can see, looked up in each of their courses. */
async function courseOf(client: GatewayClient, materialId: string): Promise<string> {
  const { courses } = await client.courses();
  for (const course of courses) {
    const materials = await client.materials(course.id);
    if (materials.some((m) => m.id === materialId)) return course.id;
  }
  throw new GatewayError(404, 'not_found', `No material ${materialId} in your courses`);
}

/** A command line that cannot work (the entry point prints the usage with it). */
export class MaterialsUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MaterialsUsageError';
  }
}
