/**
 * A minimal but valid PDF (xref offsets computed) with one page per entry; each line of a page
 * is drawn as a line of Helvetica text. Enough for pdf.js to extract the text back.
 */
export function makePdf(pages: readonly (readonly string[])[]): Uint8Array {
  const objects: string[] = [];
  const pageIds = pages.map((_, i) => 4 + i * 2);
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
  pages.forEach((lines, i) => {
    const pageId = 4 + i * 2;
    const escaped = lines.map((l) => l.replace(/[\\()]/g, (c) => `\\${c}`));
    const content = `BT /F1 12 Tf 14 TL 72 720 Td ${escaped.map((l) => `(${l}) Tj T*`).join(' ')} ET`;
    objects[pageId] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${pageId + 1} 0 R /Resources << /Font << /F1 3 0 R >> >> >>`;
    objects[pageId + 1] =
      `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`;
  });
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id += 1) {
    offsets[id] = Buffer.byteLength(body, 'latin1');
    body += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id += 1)
    body += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(body, 'latin1'));
}

export const BIOLOGY_NOTES = `# Cell Biology

## Mitochondria

Mitochondria are organelles that produce most of the chemical energy needed to power the cell's
biochemical reactions. This energy is stored in a molecule called adenosine triphosphate (ATP).
Mitochondria contain their own small chromosomes and are thought to descend from bacteria.

## Ribosomes

Ribosomes are the sites of protein synthesis. They read messenger RNA and link amino acids
together in the order the RNA specifies. Ribosomes float freely in the cytoplasm or sit on the
rough endoplasmic reticulum.

## Cell Membrane

The cell membrane is a lipid bilayer that separates the interior of the cell from its
surroundings. It is selectively permeable: small nonpolar molecules pass through, while ions
need channel proteins.
`;

export const HISTORY_NOTES = `# The French Revolution

## Causes

Heavy debt from foreign wars and a poor harvest in 1788 raised the price of bread. The Estates-General
was summoned in May 1789 for the first time since 1614.

## The Storming of the Bastille

On 14 July 1789 a crowd in Paris stormed the Bastille, a fortress and prison that stood for royal
tyranny. The day is now the national holiday of France.
`;
