"""The demo company: users per role now, the planning model as the engine grows."""
