"""`signlang bench`: the project against the source projects' way, measured side by side.

One module per figure (extraction, latency, live, pipeline, accuracy, memory), each a
`measure(ctx) -> list[Row]` function; `bench.cli` runs them, prints the table and writes
reports/bench.json. Every figure times the project and its baseline in the same run, on the
same inputs, and reports their ratio; nothing here asserts a speed.
"""
