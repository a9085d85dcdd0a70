"""Operations: production planning and resource allocation."""
