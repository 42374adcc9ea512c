import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedVectorStore, QdrantVectorStore, type VectorStore } from '@lm/library';

const DIM = 8;

/** A unit vector pointing mostly along axis `axis`, tilted by `tilt` towards the next axis. */
function unit(axis: number, tilt = 0): Float32Array {
  const v = new Float32Array(DIM);
  v[axis % DIM] = 1;
  v[(axis + 1) % DIM] = tilt;
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** The contract every VectorStore meets; the same tests run against each implementation. */
function vectorStoreContract(
  name: string,
  open: () => Promise<VectorStore & { drop?: () => Promise<void> }>,
) {
  describe(`VectorStore contract: ${name}`, () => {
    let store: VectorStore & { drop?: () => Promise<void> };
    const ids = Array.from({ length: 6 }, () => randomUUID());

    beforeAll(async () => {
      store = await open();
      await store.ensure(DIM);
      await store.ensure(DIM); // idempotent
      await store.upsert([
        { id: ids[0]!, vector: unit(0), courseId: 'bio', materialId: 'm1' },
        { id: ids[1]!, vector: unit(0, 0.5), courseId: 'bio', materialId: 'm1' },
        { id: ids[2]!, vector: unit(0, 0.1), courseId: 'history', materialId: 'm2' },
        { id: ids[3]!, vector: unit(3), courseId: 'bio', materialId: 'm3' },
        { id: ids[4]!, vector: unit(5), courseId: 'chem', materialId: 'm4' },
      ]);
    });

    afterAll(async () => {
      await store.drop?.();
      await store.close();
    });

    it('finds the nearest vectors by cosine, best first, with similarity scores', async () => {
      const matches = await store.search({
        vector: unit(0),
        courseIds: ['bio', 'history'],
        limit: 3,
      });
      expect(matches.map((m) => m.id)).toEqual([ids[0], ids[2], ids[1]]);
      expect(matches[0]?.score).toBeCloseTo(1, 4);
      expect(matches[2]?.score).toBeCloseTo(1 / Math.hypot(1, 0.5), 4);
      expect(matches[0]).toMatchObject({ courseId: 'bio', materialId: 'm1' });
    });

    it('never returns points of courses outside the filter', async () => {
      const matches = await store.search({ vector: unit(0), courseIds: ['bio'], limit: 10 });
      expect(matches.map((m) => m.courseId)).toEqual(['bio', 'bio', 'bio']);
      expect(await store.search({ vector: unit(0), courseIds: [], limit: 10 })).toEqual([]);
      expect(await store.search({ vector: unit(0), courseIds: ['nobody'], limit: 10 })).toEqual([]);
    });

    it('replaces a point on upsert with the same id', async () => {
      await store.upsert([
        { id: ids[3]!, vector: unit(0, 0.2), courseId: 'bio', materialId: 'm3' },
      ]);
      const matches = await store.search({ vector: unit(0), courseIds: ['bio'], limit: 2 });
      expect(matches.map((m) => m.id)).toEqual([ids[0], ids[3]]);
      expect(await store.count()).toBe(5);
    });

    it('deletes the points of a material and counts by course', async () => {
      expect(await store.count(['bio'])).toBe(3);
      await store.deleteMaterial('m1');
      expect(await store.count(['bio'])).toBe(1);
      expect(await store.count()).toBe(3);
    });

    it('finds private notes for their owner only: owner is null OR owner = viewer', async () => {
      const [course, mine, theirs] = [randomUUID(), randomUUID(), randomUUID()];
      await store.upsert([
        { id: course, vector: unit(6), courseId: 'law', materialId: 'm-course' },
        {
          id: mine,
          vector: unit(6, 0.1),
          courseId: 'law',
          materialId: 'm-mine',
          privateOwnerId: 'alice',
        },
        {
          id: theirs,
          vector: unit(6, 0.2),
          courseId: 'law',
          materialId: 'm-theirs',
          privateOwnerId: 'bob',
        },
      ]);
      const search = (viewerId?: string) =>
        store.search({ vector: unit(6), courseIds: ['law'], limit: 10, viewerId });
      const alice = await search('alice');
      expect(alice.map((m) => m.id)).toEqual([course, mine]);
      expect(alice.map((m) => m.privateOwnerId)).toEqual([null, 'alice']);
      expect((await search('bob')).map((m) => m.id)).toEqual([course, theirs]);
      // No viewer (or someone else): course materials only.
      expect((await search()).map((m) => m.id)).toEqual([course]);
      expect((await search('carol')).map((m) => m.id)).toEqual([course]);
      // A note is still confined to its course, whoever asks.
      expect(
        await store.search({ vector: unit(6), courseIds: ['bio'], limit: 10, viewerId: 'alice' }),
      ).not.toContainEqual(expect.objectContaining({ id: mine }));
      // Re-upserting a note as a course material makes it visible to everyone, and back.
      await store.upsert([
        { id: theirs, vector: unit(6, 0.2), courseId: 'law', materialId: 'm-theirs' },
      ]);
      expect((await search('carol')).map((m) => m.id)).toEqual([course, theirs]);
      await store.deleteMaterial('m-mine');
      expect((await search('alice')).map((m) => m.id)).toEqual([course, theirs]);
    });

    it('refuses vectors of another size', async () => {
      await expect(store.ensure(DIM + 1)).rejects.toMatchObject({ code: 'failed_precondition' });
    });
  });
}

vectorStoreContract('embedded (pgvector in PGlite)', () => EmbeddedVectorStore.open());

const qdrantUrl = process.env.QDRANT_URL;
if (qdrantUrl) {
  vectorStoreContract(`qdrant (${qdrantUrl})`, () =>
    Promise.resolve(
      new QdrantVectorStore({ url: qdrantUrl, collection: `lm_contract_${Date.now()}` }),
    ),
  );
} else {
  // Not registered at all (rather than skipped): nothing here may count as a Qdrant pass.
  console.log('VectorStore contract: QDRANT_URL is not set, the Qdrant suite is not registered');
}
