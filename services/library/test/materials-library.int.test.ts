import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMaterial } from '@lm/library';
import { openTestLibrary, type TestLibrary } from '@lm/library/testing';
import { BIOLOGY_NOTES, HISTORY_NOTES, makePdf } from './materials-fixtures.js';

const encode = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

describe('MaterialLibrary (PGlite, pgvector, real MiniLM embedder)', () => {
  let fx: TestLibrary;

  beforeAll(async () => {
    fx = await openTestLibrary();
    await fx.library.upload({
      courseId: 'bio-101',
      ownerId: 'teacher',
      filename: 'cells.md',
      data: encode(BIOLOGY_NOTES),
    });
    await fx.library.upload({
      courseId: 'hist-201',
      ownerId: 'teacher',
      filename: 'revolution.md',
      data: encode(HISTORY_NOTES),
    });
  });

  afterAll(async () => {
    await fx?.close();
  });

  it('finds the passage that answers a paraphrased question, with its heading path', async () => {
    // No key term of the passage ("mitochondria", "ATP") is in the question.
    const hits = await fx.library.search('Which part of the cell makes the energy it runs on?', {
      courseIds: ['bio-101'],
    });
    expect(hits[0]?.heading).toBe('Cell Biology > Mitochondria');
    expect(hits[0]?.title).toBe('Cell Biology');
    expect(hits[0]?.text).toContain('adenosine triphosphate');
    expect(hits[0]?.similarity).toBeGreaterThan(0.3);
  });

  it('uses keywords too: an exact rare term ranks its chunk first', async () => {
    const hits = await fx.library.search('Estates-General 1614', { courseIds: ['hist-201'] });
    expect(hits[0]?.heading).toBe('The French Revolution > Causes');
    expect(hits[0]?.keywordRank).toBe(1);
  });

  it("never returns another course's materials", async () => {
    const hits = await fx.library.search('When was the Bastille stormed?', {
      courseIds: ['bio-101'],
      limit: 10,
    });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.courseId === 'bio-101')).toBe(true);
    expect(hits.some((h) => h.text.includes('Bastille'))).toBe(false);
    expect(await fx.library.search('Bastille', { courseIds: [] })).toEqual([]);
    const [history] = await fx.library.list(['hist-201']);
    await expect(fx.library.get(history!.id, ['bio-101'])).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('indexes a real PDF page by page', async () => {
    const pdf = makePdf([
      [
        'Enzymes',
        'Enzymes are proteins that speed up chemical reactions by lowering the activation energy.',
      ],
      [
        'Denaturation',
        'High temperature changes the shape of the active site, so the enzyme stops working.',
      ],
    ]);
    const material = await fx.library.upload({
      courseId: 'bio-101',
      ownerId: 'teacher',
      filename: 'enzymes.pdf',
      data: pdf,
    });
    expect(material).toMatchObject({ format: 'pdf', title: 'enzymes', courseId: 'bio-101' });
    expect(material.chunkCount).toBeGreaterThanOrEqual(1);
    const hits = await fx.library.search('Why does an enzyme stop working when it is too hot?', {
      courseIds: ['bio-101'],
    });
    expect(hits[0]?.materialId).toBe(material.id);
    expect(hits[0]?.text).toContain('active site');
    expect(hits[0]?.page).toBe(2);
  });

  it('rejects a malformed PDF, an empty upload and a binary file with clear errors, storing nothing', async () => {
    const before = (await fx.library.list(['bio-101'])).length;
    await expect(
      fx.library.upload({
        courseId: 'bio-101',
        ownerId: 't',
        filename: 'broken.pdf',
        data: encode('%PDF-1.7\nthis is not a pdf at all'),
      }),
    ).rejects.toMatchObject({
      code: 'unsupported_media_type',
    });
    await expect(
      fx.library.upload({
        courseId: 'bio-101',
        ownerId: 't',
        filename: 'broken2.pdf',
        data: encode('%PDF-1.7\nthis is not a pdf at all'),
      }),
    ).rejects.toThrow(/PDF/);
    await expect(
      fx.library.upload({
        courseId: 'bio-101',
        ownerId: 't',
        filename: 'empty.md',
        data: new Uint8Array(),
      }),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
      message: 'The upload "empty.md" is empty',
    });
    await expect(
      fx.library.upload({
        courseId: 'bio-101',
        ownerId: 't',
        filename: 'image.txt',
        data: new Uint8Array([0xff, 0xd8, 0xff, 0x00, 0x10]),
      }),
    ).rejects.toMatchObject({ code: 'unsupported_media_type' });
    await expect(
      parseMaterial({
        filename: 'slides.pptx',
        mediaType: 'application/vnd.ms-powerpoint',
        data: encode('x'),
      }),
    ).rejects.toMatchObject({ code: 'unsupported_media_type' });
    expect((await fx.library.list(['bio-101'])).length).toBe(before);
  });

  it('indexes a lecture transcript by time; hits carry the lecture and timestamp; re-indexing replaces it', async () => {
    const finals = [
      {
        text: 'Good morning everyone, today we talk about photosynthesis.',
        startMs: 0,
        endMs: 4000,
      },
      {
        text: 'Plants capture light with chlorophyll in the thylakoid membranes.',
        startMs: 95_000,
        endMs: 99_000,
      },
      {
        text: 'The Calvin cycle then fixes carbon dioxide into sugar in the stroma.',
        startMs: 100_000,
        endMs: 104_000,
      },
    ];
    const first = await fx.library.indexTranscript(
      'session-7',
      'bio-101',
      'Lecture 7: Photosynthesis',
      finals,
    );
    expect(first).toMatchObject({ kind: 'lecture', sessionId: 'session-7', format: 'transcript' });
    const again = await fx.library.indexTranscript(
      'session-7',
      'bio-101',
      'Lecture 7: Photosynthesis',
      finals,
    );
    const lectures = (await fx.library.list(['bio-101'])).filter((m) => m.kind === 'lecture');
    expect(lectures.map((m) => m.id)).toEqual([again?.id]);
    const hits = await fx.library.search('How do plants turn CO2 into sugar?', {
      courseIds: ['bio-101'],
    });
    const lecture = hits.find((h) => h.kind === 'lecture');
    expect(lecture).toMatchObject({ title: 'Lecture 7: Photosynthesis', sessionId: 'session-7' });
    expect(lecture?.startMs).toBeGreaterThanOrEqual(0);
    expect(lecture?.text).toContain('Calvin cycle');
  });

  it("finds a student's private notes for that student only (keyword and vector retrieval)", async () => {
    const note = await fx.library.upload({
      courseId: 'bio-101',
      ownerId: 'alice',
      filename: 'my-notes.md',
      visibility: 'private',
      data: encode(
        '# My notes\n\n## Golgi\n\nMnemonic from my tutor group: the Golgi apparatus is the ' +
          'Quillborne post office, it packs and ships proteins in vesicles.\n',
      ),
    });
    expect(note).toMatchObject({ visibility: 'private', ownerId: 'alice', courseId: 'bio-101' });
    // A rare made-up word (keyword retrieval) and a paraphrase (vector retrieval).
    for (const query of ['Quillborne', 'Which organelle packages and ships proteins?']) {
      const mine = await fx.library.search(query, { courseIds: ['bio-101'], viewerId: 'alice' });
      expect(mine[0]).toMatchObject({ materialId: note.id, visibility: 'private' });
      for (const viewerId of ['bob', undefined]) {
        const theirs = await fx.library.search(query, {
          courseIds: ['bio-101'],
          viewerId,
          limit: 20,
        });
        expect(theirs.map((h) => h.materialId)).not.toContain(note.id);
      }
    }
    expect((await fx.library.list(['bio-101'], { viewerId: 'alice' })).map((m) => m.id)).toContain(
      note.id,
    );
    expect(
      (await fx.library.list(['bio-101'], { viewerId: 'bob' })).map((m) => m.id),
    ).not.toContain(note.id);
    expect((await fx.library.list(['bio-101'])).map((m) => m.id)).not.toContain(note.id);
    expect(await fx.library.get(note.id, ['bio-101'], { viewerId: 'alice' })).toMatchObject({
      id: note.id,
    });
    await expect(fx.library.get(note.id, ['bio-101'], { viewerId: 'bob' })).rejects.toMatchObject({
      code: 'not_found',
    });
    // Course materials stay visible to everyone, with or without a viewer.
    const course = await fx.library.search('Which part of the cell makes the energy it runs on?', {
      courseIds: ['bio-101'],
      viewerId: 'bob',
    });
    expect(course[0]).toMatchObject({
      heading: 'Cell Biology > Mitochondria',
      visibility: 'course',
    });
    await fx.library.delete(note.id);
    const after = await fx.library.search('Quillborne', {
      courseIds: ['bio-101'],
      viewerId: 'alice',
    });
    expect(after.map((h) => h.materialId)).not.toContain(note.id);
  });

  it('deletes a material with its vectors', async () => {
    const m = await fx.library.upload({
      courseId: 'chem',
      ownerId: 't',
      filename: 'acids.txt',
      data: encode('Acids\n\nAcids donate protons. Bases accept protons in water.'),
    });
    expect(await fx.vectors.count(['chem'])).toBe(m.chunkCount);
    await fx.library.delete(m.id);
    expect(await fx.vectors.count(['chem'])).toBe(0);
    expect(await fx.library.search('protons', { courseIds: ['chem'] })).toEqual([]);
  });
});
