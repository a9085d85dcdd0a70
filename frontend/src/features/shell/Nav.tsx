// Left-hand main navigation listing every product area.
import { NavLink } from 'react-router-dom';
import { AREAS, HOME, areaPath } from './areas';

export function Nav() {
  return (
    <nav aria-label="Main" className="sidebar">
      <ul>
        {[HOME, ...AREAS].map((area) => (
          <li key={area.label}>
            <NavLink to={areaPath(area)} end={area === HOME} className="nav-link">
              {area.label}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
