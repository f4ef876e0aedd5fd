"""Alert delivery: channels, throttling, and the sink that records what was delivered."""
