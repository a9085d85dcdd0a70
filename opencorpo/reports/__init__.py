"""Reports: definitions, rendering, caching, XLSX/PDF output and dashboards."""
