// The product areas shown in the main navigation, with their routes and one-line descriptions.

export interface Area {
  /** Route segment under /app ('' is Home). */
  slug: string;
  label: string;
  description: string;
}

export const HOME: Area = { slug: '', label: 'Home', description: 'Your starting point.' };

export const AREAS: Area[] = [
  { slug: 'models', label: 'Models', description: 'Dimensions, accounts, versions and the planning models built from them.' },
  { slug: 'planning', label: 'Planning', description: 'Budget and forecast input, driver-based planning and allocations.' },
  { slug: 'reports', label: 'Reports', description: 'Income statement, balance sheet, budget vs actual and dashboards.' },
  { slug: 'data', label: 'Data', description: 'Imports from ledgers and spreadsheets, exports and load history.' },
  { slug: 'operations', label: 'Operations', description: 'Operational plans such as headcount, sales volumes and capital spending.' },
  { slug: 'strategy', label: 'Strategy', description: 'Strategic goals, long-range plans, scenarios and key performance indicators.' },
  { slug: 'workflow', label: 'Workflow', description: 'Approvals, submission deadlines and review tasks.' },
  { slug: 'admin', label: 'Administration', description: 'Users, roles, permissions and system settings.' },
];

export function areaPath(area: Area): string {
  return area.slug ? `/app/${area.slug}` : '/app';
}
