// Shapes of the planning grid's API answers. The OpenAPI document declares these answers as free objects
// (AnyObject), so they are written out here from opencorpo/planning/grid.py, cells.py, spreading.py and explain.py.
import type { Schemas } from '../../api/typed';

export type Member = Schemas['Member'];
export type Dimension = Schemas['Dimension'];
export type Cube = Schemas['Cube'];
export type PlanningModel = Schemas['Model'];
export type GridQuery = Schemas['GridQueryRequest'];
export type Selection = Schemas['SelectionRequest'];
export type CellWrite = Schemas['CellRequest'];
export type SpreadRequest = Schemas['SpreadRequest'];
export type SpreadMethod = NonNullable<SpreadRequest['method']>;
export type Comment = Schemas['Comment'];

/** One member on an axis of a grid answer. `level` counts from the root (0). */
export interface Header {
  code: string;
  name: string;
  level: number;
  has_children: boolean;
  /** An account's Excel number pattern, when it has one. */
  number_format?: string;
}

export interface AxisBlock {
  dimensions: string[];
  /** One entry per position: the member of each dimension, in `dimensions` order. */
  headers: Header[][];
}

/** Why a cell takes no input. The back end may send other codes later; they are shown as given. */
export type ReadOnlyReason = 'total' | 'calculated' | 'locked' | 'no_access' | 'converted' | 'approval' | 'variance';

export type Matrix<T> = T[][];

/** A commented cell of an answer: its row and column in `values`, and how many comments the reader may see. */
export type CommentMark = [row: number, column: number, count: number];

export interface Variance {
  version: string;
  reference: string;
  rows: AxisBlock;
  columns: AxisBlock;
  absolute: Matrix<number | null>;
  percent: Matrix<number | null>;
  favourable: Matrix<boolean | null>;
}

export interface GridAnswer {
  cube: string;
  data_version: number;
  rows: AxisBlock;
  columns: AxisBlock;
  filters: Record<string, Header>;
  /** null: the cell is empty. */
  values: Matrix<number | null>;
  editable: Matrix<boolean>;
  row_versions: Matrix<number | null>;
  /** Optional: why each read-only cell is read-only (null where editable). */
  reasons?: Matrix<string | null>;
  currency?: string | null;
  variance?: Variance;
  /** The commented cells (counted on every read; absent from older answers). */
  comments?: CommentMark[];
}

export interface CellsWritten {
  batch: string | null;
  changed: number;
  unchanged: number;
  data_version: number;
  /** The row version of each written cell after the write, in the order sent. */
  row_versions: number[];
}

export interface SpreadResult {
  batch: string | null;
  changed: number;
  cells: number;
  held: number;
  method: string;
  notes: string[];
  data_version: number;
}

export interface Change {
  changed_at: string;
  user: string | null;
  source: string;
  batch: string;
  old_value: number | null;
  new_value: number | null;
  data_version: number;
}

export interface FormulaInput {
  reference: string;
  cube: string;
  account: string;
  value: number | null;
  hidden?: boolean;
}

export interface ChildContribution {
  code: string;
  name: string;
  weight: number;
  value: number | null;
  contribution: number | null;
}

export interface Explanation {
  coordinate: Record<string, string>;
  value: number | null;
  formula?: { text: string; inputs: FormulaInput[]; uses_time?: boolean };
  ratio?: {
    scale: number;
    numerator: { account: string; value: number | null };
    denominator: { account: string; value: number | null };
  };
  children: { dimension: string; member: string; items: ChildContribution[] }[];
  changes?: Change[];
}
