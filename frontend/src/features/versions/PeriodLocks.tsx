// Closed periods (Versions page): the months of each year, open or locked, with Lock/Unlock for the roles that may
// (approvers, modellers, administrators). A locked period refuses every write, imports included (the database
// itself checks); the year that holds today starts open.
import { useId, useMemo } from 'react';
import { api } from '../../api/client';
import { dataApi, type Member } from '../data/dataApi';
import { useLoad } from '../data/common';
import { ListStatus, OutcomeText } from '../shell/feedback';
import { useAction } from '../shell/useAction';

export interface Year {
  code: string;
  name: string;
  months: Member[];
}

/** The time members as years of leaf periods (in order); a year is a top member, its months its leaves. */
export function yearsOf(members: Member[]): Year[] {
  const children = new Map<string, Member[]>();
  for (const m of members) if (m.parent) children.set(m.parent, [...(children.get(m.parent) ?? []), m]);
  const leaves = (code: string): Member[] =>
    (children.get(code) ?? []).flatMap((child) => (children.has(child.code) ? leaves(child.code) : [child]));
  const byStart = (a: Member, b: Member) => (a.start_date ?? '').localeCompare(b.start_date ?? '');
  return members
    .filter((m) => !m.parent)
    .sort(byStart)
    .map((year) => ({ code: year.code, name: year.name, months: leaves(year.code).sort(byStart) }));
}

export function PeriodLocks({ model, time, canLock }: { model: string; time: string; canLock: boolean }) {
  const id = useId();
  const members = useLoad((signal) => dataApi.members(model, time, { signal }), [model, time]);
  const years = useMemo(() => yearsOf(members.data ?? []), [members.data]);
  const action = useAction<string>();
  const today = new Date().toISOString().slice(0, 10);
  const toggle = (month: Member) =>
    action.run(month.code, async () => {
      const enc = encodeURIComponent;
      await api.patch(`/api/v1/models/${enc(model)}/dimensions/${enc(time)}/members/${enc(month.code)}`, {
        locked: !month.locked,
      });
      members.reload();
      return `${month.name} ${month.locked ? 'reopened' : 'locked'}.`;
    });

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Closed periods</h2>
      <p className="muted small">A locked period takes no input on any path (grid, imports, copies, allocations).</p>
      <ListStatus load={members} shown={years.length} loading="Loading periods…" empty="This model has no periods." />
      {years.map((year) => (
        <details key={year.code} open={year.months.some((m) => (m.start_date ?? '') <= today && today <= (m.end_date ?? ''))}>
          <summary>
            {year.name} — {year.months.filter((m) => m.locked).length} of {year.months.length} locked
          </summary>
          <ul className="period-locks" aria-label={`Periods of ${year.name}`}>
            {year.months.map((month) => (
              <li key={month.code} data-period={month.code}>
                <span>{month.name}</span>{' '}
                <span className={month.locked ? 'badge badge-error' : 'badge badge-ok'}>{month.locked ? 'locked' : 'open'}</span>
                {canLock && (
                  <button
                    type="button"
                    className="button button-small"
                    disabled={action.busy !== null}
                    aria-label={`${month.locked ? 'Unlock' : 'Lock'} ${month.name}`}
                    onClick={() => void toggle(month)}
                  >
                    {month.locked ? 'Unlock' : 'Lock'}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </details>
      ))}
      <OutcomeText outcome={action.outcome} />
    </section>
  );
}
