"""Facts and plumbing every layer may use: settings, the China policy, exit codes, escaping, the registry."""
