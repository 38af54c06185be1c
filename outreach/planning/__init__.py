"""Planning: the library's data becomes queued posts. `schedule` reads `schedules/*.yaml`;
`planner` decides what is announced where and when; `booking` finds each account's free posting
times; `store` reads and writes the database side in batches; `rows` holds the bulk-insert
helpers."""
