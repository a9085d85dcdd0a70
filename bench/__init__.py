"""OpenCorpo's benchmark suite: a generated large company and the read path measured against DuckDB and PostgreSQL."""
