// Unit tests for cell comments on answers: the sparse counts as a lookup, a cell's position by its coordinate, one
// more comment counted locally, and the signal from the cell panel to the grid's data.
import { describe, expect, it, vi } from 'vitest';
import { commentAdded, commentCount, commentLabel, commentLookup, onCommentAdded, positionOf, withComment } from './comments';
import { sampleAnswer } from './testData';

const coordinate = (account: string, time: string) => ({ account, time, entity: 'E1', version: 'budget' });

describe('commentLookup and commentCount', () => {
  it('looks up the count of a row and column of values, 0 where the list has none', () => {
    const answer = { ...sampleAnswer(), comments: [[0, 3, 2], [5, 0, 1]] as [number, number, number][] };
    expect(commentCount(answer, 0, 3)).toBe(2);
    expect(commentCount(answer, 5, 0)).toBe(1);
    expect(commentCount(answer, 3, 0)).toBe(0); // row and column are not interchangeable
    expect(commentCount(sampleAnswer(), 0, 3)).toBe(0); // an answer without the list
  });

  it('builds the lookup once per list', () => {
    const marks: [number, number, number][] = [[1, 1, 4]];
    expect(commentLookup(marks)).toBe(commentLookup(marks));
    expect([...commentLookup(marks)]).toEqual([['1:1', 4]]);
  });

  it('says how many comments', () => {
    expect(commentLabel(1)).toBe('1 comment');
    expect(commentLabel(3)).toBe('3 comments');
  });
});

describe('positionOf and withComment', () => {
  it('finds a cell by its members on rows, columns and filters', () => {
    const answer = sampleAnswer(); // rows NI … MARGIN, columns JAN, FEB, MAR, Q1; E1, budget
    expect(positionOf(answer, coordinate('RENT', 'FEB'))).toEqual([5, 1]);
    expect(positionOf(answer, coordinate('NI', 'Q1'))).toEqual([0, 3]);
    expect(positionOf(answer, { ...coordinate('RENT', 'FEB'), version: 'actual' })).toBeNull(); // another filter
    expect(positionOf(answer, coordinate('HC', 'FEB'))).toBeNull(); // not on screen
  });

  it('counts one more comment on the cell, leaving the answer it was given alone', () => {
    const answer = { ...sampleAnswer(), comments: [[5, 1, 2]] as [number, number, number][] };
    const once = withComment(answer, coordinate('RENT', 'FEB'));
    expect(once.comments).toEqual([[5, 1, 3]]);
    expect(answer.comments).toEqual([[5, 1, 2]]);
    const twice = withComment(once, coordinate('NI', 'JAN'));
    expect(twice.comments).toEqual([[5, 1, 3], [0, 0, 1]]);
    expect(commentCount(twice, 0, 0)).toBe(1);
    expect(withComment(twice, coordinate('HC', 'JAN'))).toBe(twice); // a cell the answer does not show
  });
});

describe('onCommentAdded', () => {
  it('tells every listener until it unsubscribes', () => {
    const listener = vi.fn();
    const stop = onCommentAdded(listener);
    const event = { model: 'acme', cube: 'pl', coordinate: coordinate('RENT', 'FEB') };
    commentAdded(event);
    stop();
    commentAdded(event);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener).toHaveBeenCalledWith(event);
  });
});
