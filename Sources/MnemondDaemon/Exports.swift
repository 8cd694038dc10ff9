// Config moved to its own target; re-exported while callers that import only MnemondDaemon
// (MnemondReportTests) still expect `Config` from here. Remove once they import MnemondConfig.
@_exported import MnemondConfig
