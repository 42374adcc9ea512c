import { credentials } from '@grpc/grpc-js';
import { AppError, callUnary } from '@lm/kit';
import {
  fromHit,
  fromMaterial,
  type MaterialLibrary,
  type MaterialSummary,
  type SearchHit,
  type SearchOptions,
} from '@lm/library';
import { MaterialServiceClient } from '@lm/proto/library/v1/library';
import type { MaterialLibraryPort } from '../materials/materialRoutes.js';
import type { RemoteCallAuth } from './RemoteCallAuth.js';

/**
 * The materials library of the library service (lm.library.v1.MaterialService), as the routes'
 * port. Each call acts for the request's user: the library checks course membership again, and
 * whose private notes a call sees comes from that user's token (a `viewerId` option is not sent:
 * it is the same user).
 */
export class RemoteMaterialLibrary
  implements MaterialLibraryPort, Pick<MaterialLibrary, 'indexTranscript'>
{
  private readonly client: MaterialServiceClient;

  constructor(
    address: string,
    private readonly auth: RemoteCallAuth,
    private readonly deadlineMs = 60_000,
  ) {
    this.client = new MaterialServiceClient(address, credentials.createInsecure());
  }

  async upload(input: Parameters<MaterialLibrary['upload']>[0]): Promise<MaterialSummary> {
    // The owner is whoever the user token says; the library ignores any other claim.
    return fromMaterial(
      await callUnary(
        this.client.uploadMaterial.bind(this.client),
        {
          courseId: input.courseId,
          filename: input.filename,
          mediaType: input.mediaType ?? '',
          title: input.title ?? '',
          data: Buffer.from(input.data.buffer, input.data.byteOffset, input.data.byteLength),
          visibility: input.visibility ?? 'course',
        },
        { metadata: await this.auth.forUser(), deadlineMs: this.deadlineMs },
      ),
    );
  }

  async list(courseIds: readonly string[]): Promise<MaterialSummary[]> {
    const metadata = await this.auth.forUser();
    const lists = await Promise.all(
      courseIds.map((courseId) =>
        callUnary(this.client.listMaterials.bind(this.client), { courseId }, { metadata }),
      ),
    );
    return lists.flatMap((l) => l.materials.map(fromMaterial));
  }

  async get(id: string, courseIds: readonly string[]): Promise<MaterialSummary> {
    const courseId = courseIds[0];
    if (courseIds.length !== 1 || !courseId)
      throw new AppError('invalid_argument', 'A material is read within one course');
    return fromMaterial(
      await callUnary(
        this.client.getMaterial.bind(this.client),
        { courseId, materialId: id },
        { metadata: await this.auth.forUser() },
      ),
    );
  }

  async delete(id: string): Promise<void> {
    await callUnary(
      this.client.deleteMaterial.bind(this.client),
      { materialId: id },
      { metadata: await this.auth.forUser() },
    );
  }

  async search(query: string, options: SearchOptions): Promise<SearchHit[]> {
    const response = await callUnary(
      this.client.search.bind(this.client),
      { query, courseIds: [...options.courseIds], limit: options.limit ?? 5 },
      { metadata: await this.auth.forUser() },
    );
    return response.hits.map(fromHit);
  }

  /**
   * Indexes an ended lecture. Only the session id travels: the library reads the lecture's
   * course, title and finals from its own database.
   */
  async indexTranscript(sessionId: string): Promise<MaterialSummary | undefined> {
    const response = await callUnary(
      this.client.indexLecture.bind(this.client),
      { sessionId },
      { metadata: await this.auth.asService(), deadlineMs: 5 * 60_000 },
    );
    return response.material ? fromMaterial(response.material) : undefined;
  }

  close(): void {
    this.client.close();
  }
}
