"""Planning: models, dimensions, cubes, facts, versions, write-back, workflow and audit."""
