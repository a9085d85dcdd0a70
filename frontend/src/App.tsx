// Application root: session provider and the route table.
import { lazy, Suspense, type ComponentType } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { AuthProvider } from './features/auth/AuthContext';
import { LoginPage } from './features/auth/LoginPage';
import { AppShell } from './features/shell/AppShell';
import { AreaPage } from './features/shell/AreaPage';
import { HomePage } from './features/shell/HomePage';
import { NotFoundPage } from './features/shell/NotFoundPage';
import { AREAS } from './features/shell/areas';
// The planning grid loads with the app: lazily, it would cost React's 300 ms Suspense reveal throttle on every visit.
import { CubePage } from './features/grid/CubePage';
import { CubePicker } from './features/grid/CubePicker';

const WITH_CUBES = new Set(['models', 'planning']);
// Data, workflow (approvals, versions) and administration pages, each loaded on first use.
const DataArea = lazy(() => import('./features/data/DataArea'));
const WorkflowArea = lazy(() => import('./features/workflow/WorkflowArea'));
const VersionsArea = lazy(() => import('./features/versions/VersionsArea'));
const AdminArea = lazy(() => import('./features/admin/AdminArea'));
// Reports and dashboards (ECharts), loaded on first use; the demo model's Overview dashboard shows on Home.
const ReportsArea = lazy(() => import('./features/reports/ReportsArea'));
const ReportPage = lazy(() => import('./features/reports/ReportView'));
const DashboardPage = lazy(() => import('./features/dashboards/DashboardView'));
const DemoDashboard = lazy(() => import('./features/dashboards/DashboardView').then((m) => ({ default: m.DemoDashboard })));
const AREA_CONTENT: Record<string, ComponentType> = { data: DataArea, workflow: WorkflowArea, admin: AdminArea, reports: ReportsArea };
const loading = <p className="muted">Loading…</p>;

function areaContent(slug: string) {
  const Content = AREA_CONTENT[slug];
  return Content ? (
    <Suspense fallback={loading}>
      <Content />
    </Suspense>
  ) : null;
}

/** The routes alone, so tests can mount them in a MemoryRouter. */
export function AppRoutes() {
  return (
    <AuthProvider>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/app" element={<AppShell />}>
          <Route
            index
            element={
              <>
                <HomePage />
                <Suspense fallback={null}>
                  <DemoDashboard />
                </Suspense>
              </>
            }
          />
          {AREAS.map((area) => (
            <Route
              key={area.slug}
              path={area.slug}
              element={
                <AreaPage area={area}>
                  {WITH_CUBES.has(area.slug) && <CubePicker />}
                  {areaContent(area.slug)}
                </AreaPage>
              }
            />
          ))}
          <Route path="models/:model/cubes/:cube" element={<CubePage />} />
          <Route path="reports/:model/:code" element={<Suspense fallback={loading}><ReportPage /></Suspense>} />
          <Route path="dashboards/:model/:code" element={<Suspense fallback={loading}><DashboardPage /></Suspense>} />
          <Route
            path="workflow/versions"
            element={
              <Suspense fallback={loading}>
                <VersionsArea />
              </Suspense>
            }
          />
          <Route path="administration" element={<Navigate to="/app/admin" replace />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
        <Route path="*" element={<Navigate to="/app" replace />} />
      </Routes>
    </AuthProvider>
  );
}

export default function App() {
  return (
    <BrowserRouter>
      <AppRoutes />
    </BrowserRouter>
  );
}
