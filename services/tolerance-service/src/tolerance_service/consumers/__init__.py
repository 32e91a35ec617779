"""tolerance-service's consumers: one module per consumed topic group."""
