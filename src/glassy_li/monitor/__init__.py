"""Following a campaign while it runs: status tables and the so-far page."""
