//! Use cases shared by the CLI and the desktop app.
