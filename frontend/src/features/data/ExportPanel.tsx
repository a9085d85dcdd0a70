// Export a slice of a cube to XLSX or CSV, or download a planning template for it: each is a job whose progress
// is shown like an import's, then its file is offered. A filled template is uploaded back here too.
import { useEffect, useId, useState } from 'react';
import { ErrorText, formatNumber, messageOf } from './common';
import { dataApi, type ExportFormat, type Member } from './dataApi';
import { defaultLayout, exportQuery, placeOnAxis, type ExportLayout, type Show } from './exportQuery';
import { JobProgress } from './JobProgress';
import type { CubeDimension } from './mapping';
import { treeRows } from './tree';
import { useJob } from './useJob';

const FORMATS: { format: ExportFormat; label: string }[] = [
  { format: 'xlsx', label: 'Export XLSX' },
  { format: 'csv', label: 'Export CSV' },
  { format: 'template', label: 'Planning template' },
];

const SHOWS: { value: Show; label: string }[] = [
  { value: 'descendants', label: 'it and everything below' },
  { value: 'children', label: 'it and its children' },
  { value: 'leaves', label: 'its leaves' },
  { value: 'member', label: 'only it' },
];

function MemberOptions({ members }: { members: Member[] }) {
  return (
    <>
      {treeRows(members).map(({ member, depth }) => (
        <option key={member.code} value={member.code}>
          {'\u00a0\u00a0'.repeat(depth)}
          {member.name} ({member.code})
        </option>
      ))}
    </>
  );
}

export function ExportPanel({
  model,
  cube,
  dimensions,
  members,
}: {
  model: string;
  cube: string;
  dimensions: CubeDimension[];
  members: Record<string, Member[]> | null;
}) {
  const id = useId();
  const [layout, setLayout] = useState<ExportLayout | null>(null);
  const [format, setFormat] = useState<ExportFormat>('xlsx');
  const [error, setError] = useState<string | null>(null);
  const tracker = useJob();
  const template = useJob();
  const [templateFile, setTemplateFile] = useState<File | null>(null);
  const [templateError, setTemplateError] = useState<string | null>(null);

  useEffect(() => {
    setLayout(members ? defaultLayout(dimensions, members) : null);
    tracker.reset();
    template.reset();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [model, cube, dimensions, members]);

  async function start(chosen: ExportFormat) {
    if (!layout) return;
    setError(null);
    setFormat(chosen);
    try {
      const job = await dataApi.exportJob(model, cube, exportQuery(layout), chosen);
      await tracker.follow(job);
    } catch (cause) {
      setError(messageOf(cause));
    }
  }

  async function uploadTemplate() {
    if (!templateFile) return;
    setTemplateError(null);
    try {
      await template.follow(await dataApi.uploadTemplate(model, cube, templateFile));
    } catch (cause) {
      setTemplateError(messageOf(cause));
    }
  }

  const name = (code: string) => dimensions.find((d) => d.code === code)?.name ?? code;
  const axis = (which: 'rows' | 'columns', label: string) => {
    if (!layout || !members) return null;
    const choice = layout[which];
    return (
      <fieldset className="axis">
        <legend>{label}</legend>
        <div className="field-inline">
          <label htmlFor={`${id}-${which}-dim`}>{label} dimension</label>
          <select
            id={`${id}-${which}-dim`}
            value={choice.dimension}
            onChange={(event) => setLayout(placeOnAxis(layout, which, event.target.value, dimensions, members))}
          >
            {dimensions.map((d) => (
              <option key={d.code} value={d.code}>
                {d.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field-inline">
          <label htmlFor={`${id}-${which}-member`}>{label} member</label>
          <select
            id={`${id}-${which}-member`}
            value={choice.member}
            onChange={(event) => setLayout({ ...layout, [which]: { ...choice, member: event.target.value } })}
          >
            <MemberOptions members={members[choice.dimension] ?? []} />
          </select>
        </div>
        <div className="field-inline">
          <label htmlFor={`${id}-${which}-show`}>{label} show</label>
          <select
            id={`${id}-${which}-show`}
            value={choice.show}
            onChange={(event) => setLayout({ ...layout, [which]: { ...choice, show: event.target.value as Show } })}
          >
            {SHOWS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
      </fieldset>
    );
  };

  const templateResult = template.job?.status === 'succeeded' ? template.job.result : null;
  const conflicts = (templateResult?.conflicts ?? []) as { coordinate: Record<string, string>; yours: number | null; theirs: number | null }[];
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Export</h2>
      {!members && <p className="muted">Loading the members…</p>}
      {members && !layout && <p className="muted">This cube needs two dimensions to export.</p>}
      {layout && members && (
        <>
          <div className="axes">
            {axis('rows', 'Rows')}
            {axis('columns', 'Columns')}
            {Object.keys(layout.filters).length > 0 && (
              <fieldset className="axis">
                <legend>Filters</legend>
                {Object.entries(layout.filters).map(([dimension, member]) => (
                  <div className="field-inline" key={dimension}>
                    <label htmlFor={`${id}-filter-${dimension}`}>{name(dimension)}</label>
                    <select
                      id={`${id}-filter-${dimension}`}
                      value={member}
                      onChange={(event) =>
                        setLayout({ ...layout, filters: { ...layout.filters, [dimension]: event.target.value } })
                      }
                    >
                      <MemberOptions members={members[dimension] ?? []} />
                    </select>
                  </div>
                ))}
              </fieldset>
            )}
          </div>
          <div className="actions">
            {FORMATS.map((f) => (
              <button
                key={f.format}
                type="button"
                className="button"
                disabled={tracker.running}
                onClick={() => void start(f.format)}
              >
                {f.label}
              </button>
            ))}
          </div>
        </>
      )}
      <ErrorText message={error} />
      <ErrorText message={tracker.error} />
      {tracker.job && (
        <JobProgress
          job={tracker.job}
          label={format === 'template' ? 'Template progress' : 'Export progress'}
          onCancel={() => void tracker.cancel()}
          showFiles
        />
      )}

      <h3>Upload a filled planning template</h3>
      <div className="row-inline">
        <div className="field-inline">
          <label htmlFor={`${id}-template`}>Filled template (XLSX)</label>
          <input
            id={`${id}-template`}
            type="file"
            accept=".xlsx"
            onChange={(event) => setTemplateFile(event.target.files?.[0] ?? null)}
          />
        </div>
        <button type="button" className="button" disabled={!templateFile || template.running} onClick={() => void uploadTemplate()}>
          Upload template
        </button>
      </div>
      <ErrorText message={templateError} />
      <ErrorText message={template.error} />
      {template.job && <JobProgress job={template.job} label="Template upload progress" onCancel={() => void template.cancel()} />}
      {templateResult && (
        <p role="status" className="ok-text">
          {formatNumber(Number(templateResult.changed ?? 0))} cell(s) written
          {conflicts.length ? `; ${conflicts.length} changed by someone else since the download were not written` : ''}.
        </p>
      )}
      {conflicts.length > 0 && (
        <div className="table-scroll">
          <table className="table">
            <caption>Cells changed by someone else since the download</caption>
            <thead>
              <tr>
                <th scope="col">Cell</th>
                <th scope="col" className="number">Yours</th>
                <th scope="col" className="number">Now</th>
              </tr>
            </thead>
            <tbody>
              {conflicts.map((c, index) => (
                <tr key={index}>
                  <td>{Object.entries(c.coordinate).map(([d, m]) => `${d}=${m}`).join(', ')}</td>
                  <td className="number">{formatNumber(c.yours)}</td>
                  <td className="number">{formatNumber(c.theirs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
