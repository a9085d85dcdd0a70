"""Accounts: users, roles, sessions; later member-level access grants and API tokens."""
