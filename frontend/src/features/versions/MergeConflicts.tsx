// The conflicts of a merge, one row per cell: base, ours (the base version now), theirs (the branch), and the
// choice for the cell: keep ours, take theirs or type a value.
import { useId, useMemo, useState } from 'react';
import { formatNumber } from '../data/common';
import { buildChoices, conflictLabel, pickAll, type ChoiceValue, type MergeConflict, type Pick } from './merge';

export function MergeConflicts({
  conflicts,
  total,
  busy,
  onResolve,
  dimensionName,
}: {
  conflicts: MergeConflict[];
  total: number;
  busy: boolean;
  onResolve: (choices: Record<string, ChoiceValue>) => void;
  dimensionName: (code: string) => string;
}) {
  const id = useId();
  const [picks, setPicks] = useState<Record<string, Pick | undefined>>({});
  const built = useMemo(() => buildChoices(conflicts, picks), [conflicts, picks]);
  const problemOf = new Map(built.problems.map((p) => [p.label, p.message]));
  const [tried, setTried] = useState(false);

  const setPick = (label: string, pick: Pick) => setPicks((current) => ({ ...current, [label]: pick }));

  return (
    <div className="merge-conflicts">
      <h3 id={`${id}-title`}>
        {total} conflict{total === 1 ? '' : 's'}
      </h3>
      {total > conflicts.length && (
        <p className="muted">The first {conflicts.length} are listed; merge again after resolving them to see the rest.</p>
      )}
      <div className="actions">
        <button type="button" className="button button-small" onClick={() => setPicks(pickAll(conflicts, 'ours'))}>
          Keep ours everywhere
        </button>
        <button type="button" className="button button-small" onClick={() => setPicks(pickAll(conflicts, 'theirs'))}>
          Take theirs everywhere
        </button>
      </div>
      <div className="table-scroll diff-scroll">
        <table className="table conflicts-table" aria-labelledby={`${id}-title`}>
          <thead>
            <tr>
              <th scope="col">Cell</th>
              <th scope="col" className="number">
                At the branch point
              </th>
              <th scope="col" className="number">
                Ours (base now)
              </th>
              <th scope="col" className="number">
                Theirs (branch)
              </th>
              <th scope="col">Choice</th>
            </tr>
          </thead>
          <tbody>
            {conflicts.map((conflict) => {
              const label = conflictLabel(conflict.cube, conflict.coordinate);
              const pick = picks[label];
              const cellName = `${conflict.cube}: ${Object.entries(conflict.coordinate)
                .map(([d, m]) => `${dimensionName(d)} ${m}`)
                .join(', ')}`;
              const problem = tried ? problemOf.get(label) : undefined;
              return (
                <tr key={label} data-conflict={label}>
                  <th scope="row">{cellName}</th>
                  <td className="number">{formatNumber(conflict.base)}</td>
                  <td className="number">{formatNumber(conflict.ours)}</td>
                  <td className="number">{formatNumber(conflict.theirs)}</td>
                  <td>
                    <div className="choice" role="radiogroup" aria-label={`Choice for ${cellName}`}>
                      <label>
                        <input
                          type="radio"
                          name={`${id}-${label}`}
                          checked={pick?.kind === 'ours'}
                          onChange={() => setPick(label, { kind: 'ours' })}
                        />
                        ours
                      </label>
                      <label>
                        <input
                          type="radio"
                          name={`${id}-${label}`}
                          checked={pick?.kind === 'theirs'}
                          onChange={() => setPick(label, { kind: 'theirs' })}
                        />
                        theirs
                      </label>
                      <label>
                        <input
                          type="radio"
                          name={`${id}-${label}`}
                          checked={pick?.kind === 'value'}
                          onChange={() => setPick(label, { kind: 'value', text: pick?.kind === 'value' ? pick.text : '' })}
                        />
                        value
                      </label>
                      <input
                        type="text"
                        inputMode="decimal"
                        aria-label={`Value for ${cellName}`}
                        value={pick?.kind === 'value' ? pick.text : ''}
                        onChange={(event) => setPick(label, { kind: 'value', text: event.target.value })}
                        size={8}
                      />
                    </div>
                    {problem && <p className="form-error small">{problem}</p>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="actions">
        <button
          type="button"
          className="button button-main"
          disabled={busy}
          onClick={() => {
            setTried(true);
            if (built.problems.length === 0) onResolve(built.choices);
          }}
        >
          Merge with these choices
        </button>
        {tried && built.problems.length > 0 && (
          <span role="alert" className="form-error small">
            {built.problems.length} conflict{built.problems.length === 1 ? '' : 's'} still need a choice.
          </span>
        )}
      </div>
    </div>
  );
}
