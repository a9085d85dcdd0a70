// Shapes of the reports API and of the grid answers reports are drawn from (headers and axes: the grid's own).
import type { AxisBlock, Header } from '../grid/types';

export type { AxisBlock, Header } from '../grid/types';

export interface VarianceBlock {
  version: string;
  reference: string;
  rows: AxisBlock;
  columns: AxisBlock;
  absolute: (number | null)[][];
  percent: (number | null)[][];
  favourable: (boolean | null)[][];
}

export interface GridAnswer {
  cube: string;
  rows: AxisBlock;
  columns: AxisBlock;
  filters: Record<string, Header>;
  values: (number | null)[][];
  variance?: VarianceBlock;
  /** Commented cells: row and column in `values`, and how many comments the reader may see. */
  comments?: [row: number, column: number, count: number][];
}

export interface Selection {
  dimension: string;
  members?: string[];
  children_of?: string;
  descendants_of?: string;
  leaves_of?: string;
  level?: number;
  include_parent?: 'before' | 'after';
}

export interface GridQuery {
  rows: Selection[];
  columns: Selection[];
  filters?: Record<string, string>;
  variance?: { version: string; reference: string };
  currency?: string;
}

export interface WaterfallOptions {
  type: 'waterfall';
  total: string;
  start: string;
  end: string;
  steps: { account: string; sign: number }[];
}

export type ChartOptions = WaterfallOptions | { type: 'trend' } | { type: 'bars' } | { type: 'heatmap' };

export interface Display {
  layout?: 'variance' | 'rolling' | 'plain';
  title?: string;
  actual?: string;
  forecast?: string;
  cutoff?: string;
}

export interface ReportDefinition {
  query: GridQuery;
  display?: Display;
  chart?: ChartOptions;
}

export interface Report {
  code: string;
  name: string;
  kind: 'grid' | 'chart';
  cube: string;
  definition: ReportDefinition;
  shared: boolean;
  created_by: string | null;
  editable: boolean;
  updated_at: string;
}

export interface DashboardItem {
  report: string;
  size: 'small' | 'medium' | 'large';
}

export interface Dashboard {
  code: string;
  name: string;
  items: DashboardItem[];
}
