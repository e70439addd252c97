"""Background jobs with visible progress: the Job model, services, API, pages and tasks."""
