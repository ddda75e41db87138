"""Helping authors: `postmortem new`, `postmortem lint`, and the prompts new writes."""
