// Pure logic of the label-set editor (Review → Label sets): the form's draft as a `LabelSetView`,
// a label-set file (the format of `trawl labelsets define --file`) read into sets, the same schema
// checks the server makes (so a file with one bad set writes none), and a set as one line of text.
// No React, no I/O (tested in test/labelsets.test.ts).

import { errorText } from '../api/errors';
import type { LabelSetView } from '../api/types';

export const KINDS = ['single', 'multi', 'rating', 'text'] as const;
export const LEVELS = ['trajectory', 'step', 'both'] as const;

/** The editor form. */
export interface SetDraft {
  name: string;
  kind: string;
  level: string;
  /** Values of a select set, separated by commas, spaces or new lines. */
  values: string;
  min: string;
  max: string;
  description: string;
}

export const EMPTY_DRAFT: SetDraft = { name: '', kind: 'single', level: 'trajectory', values: '', min: '1', max: '5', description: '' };

/** Splits the values field: commas, spaces and new lines separate; empties dropped. */
export function splitValues(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function int(text: string): number | null {
  const t = text.trim();
  return /^-?\d+$/.test(t) ? Number(t) : null;
}

/**
 * The set a draft defines. Only the fields of its kind are sent (values for select sets, min and
 * max for ratings); the server validates the rest and its message is shown as is.
 */
export function draftToView(d: SetDraft): LabelSetView {
  const select = d.kind === 'single' || d.kind === 'multi';
  const rating = d.kind === 'rating';
  return {
    name: d.name.trim(),
    kind: d.kind,
    level: d.level,
    values: select ? splitValues(d.values) : [],
    min: rating ? int(d.min) : null,
    max: rating ? int(d.max) : null,
    description: d.description.trim() === '' ? null : d.description.trim(),
  };
}

/** A stored set back in the form (to edit it: add values, change the level or the help). */
export function viewToDraft(s: LabelSetView): SetDraft {
  return {
    name: s.name,
    kind: s.kind,
    level: s.level,
    values: s.values.join(', '),
    min: s.min === null ? '1' : String(s.min),
    max: s.max === null ? '5' : String(s.max),
    description: s.description ?? '',
  };
}

const NAME = /^[a-z0-9_]{1,64}$/;
const VALUE = /^[A-Za-z0-9_:.-]{1,64}$/;

/**
 * The server's schema checks (crates/core labels.rs `LabelSet::check` and the api's kind, level and
 * rating bounds), with its wording: null when the set is valid, else the reason.
 */
export function checkSet(s: LabelSetView): string | null {
  const n = s.name;
  if (!(KINDS as readonly string[]).includes(s.kind)) return `label set '${n}': unknown kind '${s.kind}'; expected single, multi, rating or text`;
  if (!(LEVELS as readonly string[]).includes(s.level)) return `label set '${n}': unknown level '${s.level}'; expected trajectory, step or both`;
  if (s.kind === 'rating' && (s.min === null || s.max === null)) return `label set '${n}' (rating) needs min and max`;
  if (!NAME.test(n)) return `bad label set name '${n}': use lowercase letters, digits and '_' (at most 64)`;
  if (s.kind === 'single' || s.kind === 'multi') {
    if (s.values.length === 0) return `label set '${n}' (${s.kind}) needs at least one value`;
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (!VALUE.test(v)) return `label set '${n}': bad value '${v}': use letters, digits, '_', ':', '-', '.' (at most 64)`;
      if (s.values.slice(0, i).includes(v)) return `label set '${n}': value '${v}' is listed twice`;
    }
  } else if (s.kind === 'rating') {
    if (s.values.length > 0) return `label set '${n}' (rating) takes min and max, not values`;
    if ((s.min as number) >= (s.max as number)) return `label set '${n}': min ${s.min} must be below max ${s.max}`;
  } else if (s.values.length > 0) {
    return `label set '${n}' (text) takes no values`;
  }
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One set of a file, with the server's defaults (level trajectory, no values); throws the reason. */
function setFromJson(item: unknown, where: string): LabelSetView {
  if (!isObject(item)) throw new Error(`${where}: expected an object with name and kind`);
  const str = (k: string, required: boolean): string | null => {
    const v = item[k];
    if (v === undefined || v === null) {
      if (required) throw new Error(`${where}: missing field \`${k}\``);
      return null;
    }
    if (typeof v !== 'string') throw new Error(`${where}: \`${k}\` must be a string`);
    return v;
  };
  const num = (k: string): number | null => {
    const v = item[k];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${where}: \`${k}\` must be an integer`);
    return v;
  };
  const values = item.values ?? [];
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) throw new Error(`${where}: \`values\` must be a list of strings`);
  return {
    name: str('name', true) as string,
    kind: str('kind', true) as string,
    level: str('level', false) ?? 'trajectory',
    values: values as string[],
    min: num('min'),
    max: num('max'),
    description: str('description', false),
  };
}

/**
 * The sets of a label-set file: a list of sets, `{"sets": [...]}`, or one set (as `trawl labelsets
 * define --file`). Every set is checked; the first problem throws (naming the file and the set), so
 * nothing is defined from a file with a bad set.
 */
export function parseSetsFile(text: string, file = 'file'): LabelSetView[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON: ${errorText(e)}`);
  }
  let list: unknown[];
  if (Array.isArray(value)) list = value;
  else if (isObject(value) && 'sets' in value) {
    if (!Array.isArray(value.sets)) throw new Error(`${file}: 'sets' must be a list`);
    list = value.sets;
  } else list = [value];
  if (list.length === 0) throw new Error(`${file}: no label sets in it`);
  return list.map((item, i) => {
    const s = setFromJson(item, `${file}: set ${i + 1}`);
    const why = checkSet(s);
    if (why) throw new Error(`${file}: ${why}`);
    return s;
  });
}

/** What a set takes, in a few words: "one of 3", "any of 10", "rating 1–5", "text". */
export function describeKind(s: LabelSetView): string {
  switch (s.kind) {
    case 'single':
      return `one of ${s.values.length}`;
    case 'multi':
      return `any of ${s.values.length}`;
    case 'rating':
      return `rating ${s.min ?? '?'}–${s.max ?? '?'}`;
    default:
      return s.kind;
  }
}
