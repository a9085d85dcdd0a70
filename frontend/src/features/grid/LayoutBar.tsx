// Layout controls above the grid: each dimension's place (rows, columns or filter) and members, a version
// comparison with variance, and the currency to show.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import {
  axisItem,
  expandAll,
  moveDimension,
  placeOf,
  setComparison,
  setFilter,
  setMembers,
  setTotalsAfter,
  type Layout,
  type Place,
  type Trees,
} from './layout';
import { indentedLabel, treeOrder, type MemberTree } from './tree';
import type { Dimension } from './types';

interface Props {
  dimensions: Dimension[];
  trees: Trees;
  layout: Layout;
  reportingCurrency: string | null;
  onChange: (layout: Layout) => void;
}

const PLACES: { value: Place; label: string }[] = [
  { value: 'rows', label: 'Rows' },
  { value: 'columns', label: 'Columns' },
  { value: 'filters', label: 'Filter' },
];

function MemberOptions({ tree }: { tree: MemberTree }) {
  return (
    <>
      {treeOrder(tree).map((code) => (
        <option key={code} value={code}>
          {indentedLabel(tree, code)}
        </option>
      ))}
    </>
  );
}

/** A drop-down panel that closes on Escape and on a click elsewhere; its content is built only while open. */
function Popover({ summary, children }: { summary: string; children: ReactNode }) {
  const details = useRef<HTMLDetailsElement>(null);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const close = (e: Event) => {
      const element = details.current;
      if (!element?.open) return;
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !element.contains(e.target as Node)) {
        element.open = false;
        if (e instanceof KeyboardEvent) element.querySelector('summary')?.focus();
      }
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, []);
  return (
    <details className="member-picker" ref={details} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{summary}</summary>
      {open && <div className="member-picker-body">{children}</div>}
    </details>
  );
}

export function LayoutBar({ dimensions, trees, layout, reportingCurrency, onChange }: Props) {
  const version = dimensions.find((d) => d.kind === 'version');
  const versionTree = version ? trees[version.code] : undefined;
  const versions = versionTree ? treeOrder(versionTree) : [];
  const compare = layout.compare;

  return (
    <div className="layout-bar" role="group" aria-label="Grid layout">
      {dimensions.map((dimension) => {
        const tree = trees[dimension.code];
        if (!tree) return null;
        const place = placeOf(layout, dimension.code);
        const item = axisItem(layout, dimension.code);
        const comparing = Boolean(compare) && dimension.kind === 'version';
        return (
          <div className="layout-dim" key={dimension.code} role="group" aria-labelledby={`dim-${dimension.code}`}>
            <span className="layout-name" id={`dim-${dimension.code}`}>
              {dimension.name}
            </span>
            <select
              aria-label={`${dimension.name} placement`}
              value={place}
              disabled={comparing}
              onChange={(e) => onChange(moveDimension(layout, dimension.code, e.target.value as Place, trees))}
            >
              {PLACES.map((p) => (
                <option key={p.value} value={p.value}>
                  {p.label}
                </option>
              ))}
            </select>
            {place === 'filters' && (
              <select
                aria-label={`${dimension.name} member`}
                value={layout.filters[dimension.code] ?? ''}
                onChange={(e) => onChange(setFilter(layout, dimension.code, e.target.value))}
              >
                <MemberOptions tree={tree} />
              </select>
            )}
            {item && !comparing && (
              <Popover
                summary={
                  item.members.length === 1
                    ? (tree.members.get(item.members[0]!)?.name ?? item.members[0]!)
                    : `${item.members.length} members`
                }
              >
                <select
                  multiple
                  size={Math.min(12, tree.members.size)}
                  aria-label={`${dimension.name} members shown`}
                  value={item.members}
                  onChange={(e) =>
                    onChange(setMembers(layout, dimension.code, [...e.target.selectedOptions].map((o) => o.value)))
                  }
                >
                  <MemberOptions tree={tree} />
                </select>
                <div className="member-picker-actions">
                  <button type="button" className="button" onClick={() => onChange(expandAll(layout, dimension.code, tree, true))}>
                    Expand all
                  </button>
                  <button type="button" className="button" onClick={() => onChange(expandAll(layout, dimension.code, tree, false))}>
                    Collapse all
                  </button>
                  <label>
                    <input
                      type="checkbox"
                      checked={item.totalsAfter === true}
                      onChange={(e) => onChange(setTotalsAfter(layout, dimension.code, e.target.checked))}
                    />{' '}
                    Totals after members
                  </label>
                </div>
              </Popover>
            )}
          </div>
        );
      })}
      {version && versions.length > 1 && (
        <div className="layout-dim">
          <label>
            <input
              type="checkbox"
              checked={Boolean(compare)}
              onChange={(e) => {
                // Actuals against the version in view (budget against actual reads backwards), else the next one.
                const current = layout.filters[version.code] ?? versions[0]!;
                const actual = versions.find((v) => versionTree!.members.get(v)?.version_kind === 'actual');
                const pair =
                  actual && actual !== current
                    ? { version: actual, reference: current }
                    : { version: current, reference: versions.find((v) => v !== current) ?? current };
                onChange(setComparison(layout, e.target.checked ? pair : null, trees));
              }}
            />{' '}
            Compare versions
          </label>
          {compare && (
            <>
              <select
                aria-label="Version"
                value={compare.version}
                onChange={(e) => onChange(setComparison(layout, { ...compare, version: e.target.value }, trees))}
              >
                <MemberOptions tree={versionTree!} />
              </select>
              <span>against</span>
              <select
                aria-label="Reference version"
                value={compare.reference}
                onChange={(e) => onChange(setComparison(layout, { ...compare, reference: e.target.value }, trees))}
              >
                <MemberOptions tree={versionTree!} />
              </select>
            </>
          )}
        </div>
      )}
      {reportingCurrency && (
        <div className="layout-dim">
          <label htmlFor="grid-currency" className="layout-name">
            Currency
          </label>
          <select
            id="grid-currency"
            value={layout.currency ?? ''}
            onChange={(e) => onChange({ ...layout, currency: e.target.value || null })}
          >
            <option value="">As entered</option>
            <option value={reportingCurrency}>{reportingCurrency}</option>
          </select>
        </div>
      )}
    </div>
  );
}
