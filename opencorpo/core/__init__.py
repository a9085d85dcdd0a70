"""Core: jobs, API error handling, health and metrics; stays tiny."""
