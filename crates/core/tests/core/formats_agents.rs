//! Tests: formats_agents.
