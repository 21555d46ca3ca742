// Untrusted trajectory content must never become markup: React renders strings as text nodes, and
// nothing in ui/src may write HTML by hand. This fails when any of these APIs appears.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(__dirname, '..', 'src');
const FORBIDDEN = ['innerHTML', 'outerHTML', 'dangerouslySetInnerHTML', 'insertAdjacentHTML', 'document.write', 'createContextualFragment', 'DOMParser', 'eval(', 'new Function('];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx|js|jsx|html)$/.test(n) ? [p] : [];
  });
}

describe('no markup from strings', () => {
  it('finds the source files', () => {
    expect(files(SRC).length).toBeGreaterThan(10);
  });

  it('uses no HTML-writing API anywhere in ui/src or index.html', () => {
    const offenders: string[] = [];
    for (const f of [...files(SRC), join(SRC, '..', 'index.html')]) {
      const text = readFileSync(f, 'utf8');
      for (const word of FORBIDDEN) if (text.includes(word)) offenders.push(`${f}: ${word}`);
    }
    expect(offenders).toEqual([]);
  });

  it('has no inline script or style in index.html (CSP)', () => {
    const html = readFileSync(join(SRC, '..', 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/https?:\/\//);
  });
});
