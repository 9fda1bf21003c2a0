"""Commands for the person on call (README, "Operating it"). Each acts on a deployed stack (`--stack NAME`), on the
local stack (`--stack-file .local/stack.json`), or on whatever the environment names (the functions' variables)."""
