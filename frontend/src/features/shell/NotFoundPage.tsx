// Shown for unknown paths under /app.
import { Link } from 'react-router-dom';

export function NotFoundPage() {
  return (
    <section className="page">
      <h1>Page not found</h1>
      <p className="lead">
        Nothing lives at this address. Check it, or go back to <Link to="/app">Home</Link>.
      </p>
    </section>
  );
}
