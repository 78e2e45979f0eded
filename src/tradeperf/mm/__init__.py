"""Market-making analytics: quotes, public trades, markouts."""
