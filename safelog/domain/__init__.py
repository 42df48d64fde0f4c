"""Pure rules: categories, people roles, escalation routes, deadlines, retention."""
