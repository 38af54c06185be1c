"""Engagement: what the public did with each published post. `sync` reads metrics in batches, less
often as posts age, and appends snapshots; `feedback` keeps the public's comments and questions
for the reference desk. Reports on these snapshots are in `outreach.reports`."""
