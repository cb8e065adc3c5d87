"""The build pipeline: what to render, output jobs, freshness keys, project scaffolding."""
