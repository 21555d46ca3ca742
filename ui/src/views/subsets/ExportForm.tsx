// Export of a subset version: format (a Parquet codec, bare sft-chat lines), output directory, splits, seed,
// redaction; the files written.

import { useState } from 'react';
import { call } from '../../api/client';
import { VOCABULARY } from '../../api/gen/vocabularyValues';
import type { Compression, ExportFormat, GroupBy, Methods } from '../../api/types';
import { fmtBytes, fmtInt } from '../../lib/format';
import { refText } from '../../lib/subsets';
import { useCall } from '../../state/useCall';

/** How the form names each export format and codec; the lists themselves are the API's (a
 * format or codec the API adds fails the type check here until it has a label). */
const FORMAT_LABEL: Record<ExportFormat, string> = {
  'jsonl-original': "jsonl-original (the records' original bytes)",
  'sft-chat': 'sft-chat (messages for fine-tuning)',
  parquet: 'parquet',
};
const COMPRESSION_LABEL: Record<Compression, string> = {
  snappy: "snappy (pyarrow's default)",
  zstd: 'zstd (smaller files)',
  none: 'none',
};

export function ExportForm({ name, version }: { name: string; version: number }) {
  const [format, setFormat] = useState<ExportFormat>('jsonl-original');
  const [out, setOut] = useState('');
  const [splits, setSplits] = useState(false);
  const [ratios, setRatios] = useState('0.8, 0.1, 0.1');
  const [groupBy, setGroupBy] = useState<GroupBy>('repo');
  const [seed, setSeed] = useState('0');
  const [redact, setRedact] = useState(false);
  const [compression, setCompression] = useState<Compression>('snappy');
  const [bare, setBare] = useState(false);
  const exp = useCall((req: Methods['export'][0]) => call('export', req));
  const { busy, error: err, result: res } = exp;
  const run = async () => {
    if (!out.trim()) return exp.fail('choose an output directory');
    if (!/^\d+$/.test(seed.trim())) return exp.fail('the seed is a whole number ≥ 0');
    let split = null;
    if (splits) {
      const r = ratios.split(/[\s,]+/).filter((x) => x).map(Number);
      if (r.length !== 3 || r.some((x) => !Number.isFinite(x) || x < 0) || Math.abs(r[0] + r[1] + r[2] - 1) > 1e-6)
        return exp.fail('splits: three ratios (train, validation, test) that add up to 1');
      split = { train: r[0], validation: r[1], test: r[2] };
    }
    await exp.run({ subset: name, version, format, out_dir: out.trim(), splits: split, group_by: splits ? groupBy : null, seed: Number(seed), redact, compression: format === 'parquet' ? compression : null, bare: format === 'sft-chat' && bare });
  };
  return (
    <section className="card">
      <h2>Export {refText(name, version)}</h2>
      <form
        className="form-grid"
        data-testid="export-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <label htmlFor="export-format">format</label>
        <select id="export-format" data-testid="export-format" value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)}>
          {VOCABULARY.export_formats.map((f) => (
            <option key={f} value={f}>
              {FORMAT_LABEL[f]}
            </option>
          ))}
        </select>
        {format === 'parquet' && (
          <>
            <label htmlFor="export-compression">compression</label>
            <select id="export-compression" data-testid="export-compression" value={compression} onChange={(e) => setCompression(e.target.value as Compression)}>
              {VOCABULARY.compressions.map((c) => (
                <option key={c} value={c}>
                  {COMPRESSION_LABEL[c]}
                </option>
              ))}
            </select>
          </>
        )}
        {format === 'sft-chat' && (
          <>
            <label htmlFor="export-bare" title="each line keeps only messages and tools; by default it also carries the record's id, format, outcome and labels, so that the file can be ingested back as it was">
              messages and tools only
            </label>
            <input id="export-bare" type="checkbox" data-testid="export-bare" checked={bare} onChange={(e) => setBare(e.target.checked)} />
          </>
        )}
        <label htmlFor="export-out">output directory</label>
        <input id="export-out" type="text" data-testid="export-out" value={out} onChange={(e) => setOut(e.target.value)} placeholder="/path/to/export" />
        <label htmlFor="export-splits">splits</label>
        <span className="inline-form tight">
          <input id="export-splits" type="checkbox" data-testid="export-splits" checked={splits} onChange={(e) => setSplits(e.target.checked)} />
          <input type="text" value={ratios} disabled={!splits} onChange={(e) => setRatios(e.target.value)} aria-label="train, validation, test ratios" />
          <select value={groupBy} disabled={!splits} onChange={(e) => setGroupBy(e.target.value as GroupBy)} aria-label="group by">
            <option value="repo">grouped by repo</option>
            <option value="instance">grouped by instance</option>
          </select>
        </span>
        <label htmlFor="export-seed">seed</label>
        <input id="export-seed" type="text" inputMode="numeric" data-testid="export-seed" value={seed} onChange={(e) => setSeed(e.target.value)} />
        <label htmlFor="export-redact">redact secrets</label>
        <input id="export-redact" type="checkbox" checked={redact} onChange={(e) => setRedact(e.target.checked)} />
        <span />
        <span>
          <button type="submit" data-testid="export-run" disabled={busy}>
            {busy ? 'exporting…' : 'Export'}
          </button>
        </span>
      </form>
      {err && <p className="error small">{err}</p>}
      {res && (
        <div data-testid="export-result" className="small">
          <p>
            {fmtInt(res.records)} records, {fmtBytes(res.bytes)} in {res.elapsed_s.toFixed(1)} s ({res.mb_per_s.toFixed(1)} MB/s) · manifest{' '}
            <span className="path">{res.manifest_path}</span>
          </p>
          <table className="grid-table">
            <tbody>
              {res.outputs.map((o) => (
                <tr key={o.file}>
                  <td className="path">{o.file}</td>
                  <td>{o.split}</td>
                  <td className="num">{fmtInt(o.records)} records</td>
                  <td className="num">{fmtBytes(o.bytes)}</td>
                  <td className="mono muted">{o.sha256.slice(0, 16)}…</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
