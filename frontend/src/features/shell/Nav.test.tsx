// Unit test for the main navigation: every product area is listed with its route.
import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { Nav } from './Nav';

const expected: [string, string][] = [
  ['Home', '/app'],
  ['Models', '/app/models'],
  ['Planning', '/app/planning'],
  ['Reports', '/app/reports'],
  ['Data', '/app/data'],
  ['Operations', '/app/operations'],
  ['Strategy', '/app/strategy'],
  ['Workflow', '/app/workflow'],
  ['Administration', '/app/admin'],
];

describe('Nav', () => {
  it('lists all product areas in order with their routes', () => {
    render(
      <MemoryRouter initialEntries={['/app']}>
        <Nav />
      </MemoryRouter>,
    );
    const nav = screen.getByRole('navigation', { name: 'Main' });
    const links = within(nav).getAllByRole('link');
    expect(links.map((a) => [a.textContent, a.getAttribute('href')])).toEqual(expected);
  });
});
