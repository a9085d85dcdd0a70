// Cell comments on grid and report answers: the answer's sparse counts looked up by cell, the answer with one more
// comment on a cell, and the signal by which the cell panel tells the grid's data that a comment was added.
import type { CommentMark } from './types';

/** What these helpers need of an answer (the grid's and the reports' answers both have it). */
export interface Marked {
  rows: { dimensions: string[]; headers: { code: string }[][] };
  columns: { dimensions: string[]; headers: { code: string }[][] };
  filters: Record<string, { code: string }>;
  comments?: CommentMark[];
}

const lookups = new WeakMap<CommentMark[], Map<string, number>>();
const NONE: CommentMark[] = [];

/** Row and column of `values` → number of comments; built once per answer's list. */
export function commentLookup(marks: CommentMark[] | undefined): Map<string, number> {
  const list = marks ?? NONE;
  let lookup = lookups.get(list);
  if (!lookup) {
    lookup = new Map(list.map(([row, column, count]) => [`${row}:${column}`, count]));
    lookups.set(list, lookup);
  }
  return lookup;
}

/** How many comments the cell at this row and column of `values` has (0: none the reader may see). */
export function commentCount(answer: Pick<Marked, 'comments'>, row: number, column: number): number {
  return commentLookup(answer.comments).get(`${row}:${column}`) ?? 0;
}

export function commentLabel(count: number): string {
  return `${count} comment${count === 1 ? '' : 's'}`;
}

/** Row and column of `values` of the cell with this coordinate; null when the answer does not show it. */
export function positionOf(answer: Marked, coordinate: Record<string, string>): [number, number] | null {
  const shows = ([dimension, header]: [string, { code: string }]) => coordinate[dimension] === header.code;
  if (!Object.entries(answer.filters).every(shows)) return null;
  const find = (axis: Marked['rows']) =>
    axis.headers.findIndex((headers) => axis.dimensions.every((d, i) => shows([d, headers[i]!])));
  const row = find(answer.rows);
  const column = find(answer.columns);
  return row < 0 || column < 0 ? null : [row, column];
}

/** The answer with one more comment on the cell (the same answer when it does not show that cell). */
export function withComment<A extends Marked>(answer: A, coordinate: Record<string, string>): A {
  const at = positionOf(answer, coordinate);
  if (!at) return answer;
  const [row, column] = at;
  const marks = answer.comments ?? [];
  const found = marks.findIndex(([r, c]) => r === row && c === column);
  const comments: CommentMark[] =
    found < 0
      ? [...marks, [row, column, 1]]
      : marks.map((mark, i): CommentMark => (i === found ? [row, column, mark[2] + 1] : mark));
  return { ...answer, comments };
}

// ---- the cell panel tells the grid's data about a new comment (they meet only in the page that shows both) -------

export interface CommentAdded {
  model: string;
  cube: string;
  coordinate: Record<string, string>;
}

const listeners = new Set<(event: CommentAdded) => void>();

/** Calls `listener` for each comment added through commentAdded; returns the unsubscribe function. */
export function onCommentAdded(listener: (event: CommentAdded) => void): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

export function commentAdded(event: CommentAdded): void {
  listeners.forEach((listener) => listener(event));
}
