"""Budgets and capacity alerts (issue 16): where each budget stands, which levels crossed, each
alert fired once (state in the store) through webhook, shell command and desktop channels.

  spend.py     each budget's spend per day, read through `planner.ledger` (the budgets' view)
  capacity.py  live probe shares and per-minute peaks against limits -> capacity crossings
  rules.py     statuses and crossings -> Alert records (pure)
  state.py     the alert_state / alert_delivery tables: claim once, deliver, retry
  channels.py  webhook (retry with backoff), shell command, desktop notification
  dispatch.py  one evaluation pass: claim new alerts, deliver pending ones, report events
"""
