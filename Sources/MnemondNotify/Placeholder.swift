// Alert state machine, outbox dispatcher, SNS/Slack/SMTP notifiers: not built yet (see README, "Status").
