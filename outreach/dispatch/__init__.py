"""Dispatch: publish what is due, once. `dispatcher` claims due deliveries and calls the platform;
`claims` holds its SQL (guarded claims, attempts, account leases); `outcomes` decides what each
answer means for the delivery and its account (docs/architecture.md, "The publishing promise")."""
