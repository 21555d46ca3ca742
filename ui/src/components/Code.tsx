// Highlighted text as React nodes: span classes become `tok-<class>` CSS classes and search-term
// matches become <mark> elements. Every piece of trajectory content is a text node.

import { useMemo, useState, type ReactNode } from 'react';
import type { Code, Span } from '../api/types';
import { markSpans, markText, type Piece } from '../lib/hits';

function tokClass(cls: string | null): string | undefined {
  return cls ? `tok-${cls.replace(/[^a-z0-9-]/gi, '')}` : undefined;
}

/** Renders pieces: plain text, `tok-*` spans, and marks (the first piece of a match carries data-hit). */
export function Pieces({ pieces }: { pieces: Piece[] }): ReactNode {
  return pieces.map((p, i) => {
    const cls = tokClass(p.cls);
    const inner = cls ? <span className={cls}>{p.text}</span> : p.text;
    if (p.hit) {
      return (
        <mark key={i} className="hit" data-hit={p.hitStart ? 'start' : 'cont'}>
          {inner}
        </mark>
      );
    }
    return cls ? <span key={i} className={cls}>{p.text}</span> : <span key={i}>{p.text}</span>;
  });
}

/** One line of spans with the term matches marked. */
export function SpanLine({ spans, re }: { spans: Span[]; re: RegExp | null }) {
  const pieces = useMemo(() => markSpans(spans, re), [spans, re]);
  return <Pieces pieces={pieces} />;
}

/** Plain text (a message, a thought) with the term matches marked. */
export function Marked({ text, re }: { text: string; re: RegExp | null }) {
  const pieces = useMemo(() => markText(text, re), [text, re]);
  return <Pieces pieces={pieces} />;
}

interface CodeBlockProps {
  code: Code;
  re: RegExp | null;
  /** Show only the first lines (collapsed). */
  maxLines?: number;
  /** Line numbers: from `line_numbers` when set, else from `first_line` when true. */
  numbers?: boolean;
  className?: string;
}

/** A highlighted code block, one row per line. */
export function CodeBlock({ code, re, maxLines, numbers, className }: CodeBlockProps) {
  const lines = maxLines !== undefined ? code.lines.slice(0, maxLines) : code.lines;
  const anyNumber = code.line_numbers.some((n) => n !== null);
  const showNumbers = anyNumber || numbers === true;
  return (
    <div className={`code${className ? ` ${className}` : ''}`} data-language={code.language}>
      {lines.map((spans, i) => {
        const n = code.line_numbers[i] ?? (numbers ? code.first_line + i : null);
        return (
          <div className="code-line" key={i}>
            {showNumbers && <span className="ln">{n ?? ''}</span>}
            <span className="src">
              <SpanLine spans={spans} re={re} />
              {'\n'}
            </span>
          </div>
        );
      })}
    </div>
  );
}

/** Prose (message text, thoughts, final messages), collapsed past `limit` lines unless it has a match. */
export function Prose({ text, re, limit = 14, className }: { text: string; re: RegExp | null; limit?: number; className?: string }) {
  const lines = useMemo(() => text.split('\n'), [text]);
  const hasHit = useMemo(() => (re ? markText(text, re).some((p) => p.hit) : false), [text, re]);
  const [open, setOpen] = useState(false);
  const long = lines.length > limit;
  const shown = long && !open && !hasHit ? lines.slice(0, limit).join('\n') : text;
  return (
    <div className={`prose${className ? ` ${className}` : ''}`}>
      <div className="prose-text">
        <Marked text={shown} re={re} />
      </div>
      {long && !hasHit && (
        <button type="button" className="link-button" onClick={() => setOpen(!open)}>
          {open ? 'collapse' : `show all ${lines.length} lines`}
        </button>
      )}
    </div>
  );
}
