// Links between the pages of the Workflow area: approvals and versions.
import { NavLink } from 'react-router-dom';

export function WorkflowNav() {
  return (
    <nav aria-label="Workflow" className="subnav">
      <NavLink to="/app/workflow" end>
        Approvals
      </NavLink>
      <NavLink to="/app/workflow/versions">Versions</NavLink>
    </nav>
  );
}
