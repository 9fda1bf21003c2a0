"""Every email, rendered (pure: no I/O), and the email jobs the notice worker sends."""
