// Pasting a block (from Excel or the grid itself) at the selection: which cells it writes, in one batch.
import { rectHeight, rectWidth, type Rect } from './selection';
import type { Parsed } from './numbers';

export interface PasteTarget {
  rows: number;
  cols: number;
  editable: (row: number, col: number) => boolean;
}

export interface PlannedWrite {
  row: number;
  col: number;
  value: number | null;
}

export interface PastePlan {
  writes: PlannedWrite[];
  /** Read-only cells under the block: left as they are. */
  skipped: number;
  /** Block cells past the grid's last row or column. */
  clipped: number;
  /** Text that is not a number: nothing is written when there is any. */
  errors: string[];
}

/**
 * Where each block value goes. The block starts at the selection's top-left cell; a selection that is a whole
 * multiple of the block (a single value into a range, say) is filled by repeating it, as spreadsheets do.
 */
export function planPaste(
  block: string[][],
  selection: Rect,
  target: PasteTarget,
  parse: (text: string) => Parsed,
): PastePlan {
  const plan: PastePlan = { writes: [], skipped: 0, clipped: 0, errors: [] };
  const height = block.length;
  const width = block[0]?.length ?? 0;
  if (!height || !width) return plan;
  const tiles = (span: number, size: number) => (span > size && span % size === 0 ? span / size : 1);
  const down = tiles(rectHeight(selection), height);
  const across = tiles(rectWidth(selection), width);
  for (let tileRow = 0; tileRow < down; tileRow++) {
    for (let i = 0; i < height; i++) {
      for (let tileCol = 0; tileCol < across; tileCol++) {
        for (let j = 0; j < width; j++) {
          const row = selection.top + tileRow * height + i;
          const col = selection.left + tileCol * width + j;
          if (row >= target.rows || col >= target.cols) {
            plan.clipped++;
            continue;
          }
          if (!target.editable(row, col)) {
            plan.skipped++;
            continue;
          }
          const text = block[i]![j]!;
          const parsed = parse(text);
          if (!parsed.ok) {
            if (plan.errors.length < 5) {
              plan.errors.push(`Row ${i + 1}, column ${j + 1} of the pasted block: “${text}” is not a number.`);
            }
            continue;
          }
          plan.writes.push({ row, col, value: parsed.value });
        }
      }
    }
  }
  return plan;
}

/** One line for the status bar about a paste that was written. */
export function pasteSummary(plan: PastePlan): string {
  const parts = [`Pasted ${plan.writes.length} cell${plan.writes.length === 1 ? '' : 's'}`];
  if (plan.skipped) parts.push(`${plan.skipped} read-only cell${plan.skipped === 1 ? '' : 's'} left unchanged`);
  if (plan.clipped) parts.push(`${plan.clipped} value${plan.clipped === 1 ? '' : 's'} past the edge of the grid ignored`);
  return `${parts.join('; ')}.`;
}
