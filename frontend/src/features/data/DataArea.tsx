// The Data area (/app/data): choose a model and cube, import files into it, see and undo its import batches,
// export it.
import { useCallback, useMemo, useState } from 'react';
import { CubeSelect, ModelPicker, useDimensions, useMembersOf, useModelChoice, ErrorText } from './common';
import type { Cube } from './dataApi';
import { ExportPanel } from './ExportPanel';
import { HistoryPanel } from './HistoryPanel';
import { ImportPanel } from './ImportPanel';
import type { CubeDimension } from './mapping';
import './panels.css';

export default function DataArea() {
  const [model, setModel] = useModelChoice();
  const [cube, setCube] = useState<Cube | null>(null);
  const [refresh, setRefresh] = useState(0);
  const dimensions = useDimensions(model);

  const onCube = useCallback((_code: string, found: Cube | null) => setCube(found), []);
  const onModel = useCallback(
    (code: string) => {
      setModel(code);
      setCube(null);
    },
    [setModel],
  );
  const cubeDimensions: CubeDimension[] = useMemo(() => {
    if (!cube || dimensions.status !== 'loaded') return [];
    return cube.dimensions.map((code) => {
      const found = dimensions.data.get(code);
      return { code, name: found?.name ?? code, kind: found?.kind };
    });
  }, [cube, dimensions.status, dimensions.data]);
  const codes = useMemo(() => cubeDimensions.map((d) => d.code), [cubeDimensions]);
  const members = useMembersOf(model, codes);
  const memberLists = members.status === 'loaded' && codes.length ? members.data : null;
  const onFinished = useCallback(() => setRefresh((n) => n + 1), []);

  return (
    <div className="area-content">
      <div className="toolbar">
        <ModelPicker value={model} onChange={onModel} />
        {model && <CubeSelect model={model} value={cube?.code ?? ''} onChange={onCube} />}
      </div>
      {dimensions.status === 'failed' && <ErrorText message={dimensions.error} />}
      {members.status === 'failed' && <ErrorText message={members.error} />}
      {cube && cubeDimensions.length > 0 && (
        <>
          <ImportPanel
            model={model}
            cube={cube.code}
            dimensions={cubeDimensions}
            members={memberLists}
            onFinished={onFinished}
          />
          <HistoryPanel model={model} cube={cube.code} refresh={refresh} />
          <ExportPanel model={model} cube={cube.code} dimensions={cubeDimensions} members={memberLists} />
        </>
      )}
    </div>
  );
}
