import { describe, expect, it } from 'vitest';
import { checkSet, describeKind, draftToView, EMPTY_DRAFT, parseSetsFile, splitValues, viewToDraft } from '../src/lib/labelsets';

describe('label-set drafts', () => {
  it('splits values on commas, spaces and new lines', () => {
    expect(splitValues(' easy, medium\nhard  ,, ')).toEqual(['easy', 'medium', 'hard']);
    expect(splitValues('')).toEqual([]);
  });

  it('sends only the fields of the kind', () => {
    const base = { ...EMPTY_DRAFT, name: ' tags ', values: 'a, b', min: '2', max: '4', description: '  ' };
    expect(draftToView({ ...base, kind: 'multi', level: 'step' })).toEqual({
      name: 'tags',
      kind: 'multi',
      level: 'step',
      values: ['a', 'b'],
      min: null,
      max: null,
      description: null,
    });
    const r = draftToView({ ...base, kind: 'rating', description: 'how hard' });
    expect([r.values, r.min, r.max, r.description]).toEqual([[], 2, 4, 'how hard']);
    const t = draftToView({ ...base, kind: 'text' });
    expect([t.values, t.min, t.max]).toEqual([[], null, null]);
    // a rating bound that is not an integer is sent as missing: the server says it needs min and max
    expect(draftToView({ ...base, kind: 'rating', min: '1.5' }).min).toBeNull();
  });

  it('round-trips a stored set through the form', () => {
    const s = { name: 'difficulty', kind: 'single', level: 'both', values: ['easy', 'hard'], min: null, max: null, description: 'how hard' };
    expect(draftToView(viewToDraft(s))).toEqual(s);
  });

  it('describes a set in a few words', () => {
    expect(describeKind(draftToView({ ...EMPTY_DRAFT, name: 'x', values: 'a b c' }))).toBe('one of 3');
    expect(describeKind(draftToView({ ...EMPTY_DRAFT, name: 'x', kind: 'rating' }))).toBe('rating 1–5');
  });
});

describe('label-set checks (as the server)', () => {
  const ok = { name: 'tags', kind: 'multi', level: 'trajectory', values: ['a', 'b'], min: null, max: null, description: null };
  it('accepts a good set', () => {
    expect(checkSet(ok)).toBeNull();
    expect(checkSet({ ...ok, kind: 'rating', values: [], min: 1, max: 5 })).toBeNull();
    expect(checkSet({ ...ok, kind: 'text', values: [], level: 'both' })).toBeNull();
  });
  it('names what is wrong', () => {
    expect(checkSet({ ...ok, values: [] })).toBe("label set 'tags' (multi) needs at least one value");
    expect(checkSet({ ...ok, name: 'Tags' })).toMatch(/^bad label set name 'Tags'/);
    expect(checkSet({ ...ok, values: ['a', 'a'] })).toBe("label set 'tags': value 'a' is listed twice");
    expect(checkSet({ ...ok, values: ['a b'] })).toMatch(/bad value 'a b'/);
    expect(checkSet({ ...ok, kind: 'choice' })).toMatch(/unknown kind 'choice'/);
    expect(checkSet({ ...ok, level: 'call' })).toMatch(/unknown level 'call'/);
    expect(checkSet({ ...ok, kind: 'rating', values: [], min: 5, max: 5 })).toBe("label set 'tags': min 5 must be below max 5");
    expect(checkSet({ ...ok, kind: 'rating', values: [], min: null, max: 5 })).toBe("label set 'tags' (rating) needs min and max");
    expect(checkSet({ ...ok, kind: 'text' })).toBe("label set 'tags' (text) takes no values");
  });
});

describe('label-set files', () => {
  it('reads one set, a list, or {"sets": [...]}, with the defaults', () => {
    const one = parseSetsFile('{"name": "clarity", "kind": "rating", "min": 1, "max": 3}');
    expect(one).toEqual([{ name: 'clarity', kind: 'rating', level: 'trajectory', values: [], min: 1, max: 3, description: null }]);
    const readme =
      '{"sets": [{"name": "difficulty", "kind": "single", "level": "trajectory", "values": ["easy", "hard"]},' +
      ' {"name": "clarity", "kind": "rating", "min": 1, "max": 3, "description": "is the fix readable?"}]}';
    expect(parseSetsFile(readme).map((s) => s.name)).toEqual(['difficulty', 'clarity']);
    expect(parseSetsFile('[{"name": "n2", "kind": "text", "level": "step"}]')[0].level).toBe('step');
  });
  it('rejects the whole file for one bad set, naming the file and the set', () => {
    const bad = '[{"name": "ok", "kind": "text"}, {"name": "tags", "kind": "multi", "values": []}]';
    expect(() => parseSetsFile(bad, 'sets.json')).toThrow("sets.json: label set 'tags' (multi) needs at least one value");
    expect(() => parseSetsFile('[{"kind": "text"}]', 'f.json')).toThrow('f.json: set 1: missing field `name`');
    expect(() => parseSetsFile('{"sets": 3}', 'f.json')).toThrow("f.json: 'sets' must be a list");
    expect(() => parseSetsFile('{"name": "x", "kind": "multi", "values": [1]}', 'f.json')).toThrow('`values` must be a list of strings');
    expect(() => parseSetsFile('{nope', 'f.json')).toThrow(/^f\.json: not JSON/);
    expect(() => parseSetsFile('[]', 'f.json')).toThrow('f.json: no label sets in it');
  });
});
