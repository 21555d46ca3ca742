//! Tests: formats_chat.
