// Core's strict JSON codec against plain JSON.stringify/parse and structuredClone: the price of
// rejecting values that would not round-trip.
import { decodeJson, encodeJson } from '@motifs/core/kit';

const value = { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', tags: ['math', 'engines'], born: 1815, address: { city: 'London' } };

export default async function (h) {
  const copy = await h.compare({
    title: 'copy a small object (encode + decode)',
    baseline: 'JSON.parse(JSON.stringify())',
    subjects: [
      { name: 'JSON.parse(JSON.stringify())', run: () => JSON.parse(JSON.stringify(value)) },
      { name: '@motifs/core encodeJson+decodeJson', run: () => decodeJson(encodeJson(value)) },
      { name: 'structuredClone', run: () => structuredClone(value) },
    ],
  });
  return { comparisons: [copy], targets: [h.target(copy, '@motifs/core encodeJson+decodeJson', 0.5)] };
}
