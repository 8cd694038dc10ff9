// Weekly report model and renderers: not built yet (see README, "Status").
