import Foundation
import MnemondModel

/// Guide Phase 8: the alert plumbing — SNS topics that reach people, CloudWatch alarms that can
/// actually fire, EventBridge rules that turn AWS Backup failures into messages. Plumbing that
/// exists but cannot deliver is worse than none: everyone believes they would be told.
public enum AlertPlumbingChecks {
    public static let all: [Check] = [sns, alarms, eventbridge]

    // MARK: alerting.sns

    /// Guide Phase 8.1: each alert topic exists with a confirmed e-mail and (where required) a
    /// confirmed https subscription. SNS delivers nothing to a PendingConfirmation subscription.
    public static let sns = Check(
        id: "alerting.sns", evidence: [.configuration],
        promise: "Each alert topic exists with confirmed e-mail and https subscriptions"
    ) { policy, observations, _, _ in
        (policy.monitoring?.topics ?? []).map { topic in
            let name = topicName(topic.arn)
            guard let observed = observations.monitoring?.topics[topic.arn] else {
                return Catalog.notCollected("alerting.sns", resource: name)
            }
            switch observed {
            case .unavailable(let reason):
                return Catalog.unknown("alerting.sns", resource: name, reason, guide: "Phase 8")
            case .value(let found): return topicFinding(topic, found: found)
            }
        }
    }

    /// Severity: topic missing, or no required channel confirmed → critical (alerts reach nobody);
    /// one required channel missing or unconfirmed while another is confirmed → warning.
    public static func topicFinding(_ topic: TopicPromise, found: TopicObservation) -> Finding {
        let name = topicName(topic.arn)
        let region = regionOf(arn: topic.arn) ?? "?"
        var required: [String] = []
        if topic.requireEmail { required.append("email") }
        if topic.requireHTTPS { required.append("https") }
        let expected = required.map { "confirmed \($0)" }.joined(separator: " + ")
        func finding(_ state: CheckState, _ text: String, found: String, runbook: String? = nil) -> Finding {
            Finding(
                check: "alerting.sns", resource: name, state: state, message: "\(name) (\(region)): \(text)",
                expected: expected.isEmpty ? "exists" : expected, found: found, guide: "Phase 8", runbook: runbook)
        }
        guard found.exists else {
            return finding(
                .critical,
                "topic does not exist; guide requires it with \(expected.isEmpty ? "subscriptions" : expected) subscriptions (Phase 8.1) — alarms and rules publishing to it reach nobody",
                found: "missing",
                runbook:
                    "aws sns create-topic --name \(name) --region \(region), then subscribe and confirm (Phase 8.1 Step 8.1)"
            )
        }
        let summary = summarize(found.subscriptions)
        var missing: [String] = []
        var pending: [String] = []
        for proto in required {
            let ofProtocol = found.subscriptions.filter { $0.protocol.lowercased() == proto }
            if ofProtocol.contains(where: \.confirmed) { continue }
            if ofProtocol.isEmpty {
                missing.append("no \(proto) subscription")
            } else {
                pending.append(
                    "\(proto) subscription \(ofProtocol.map(\.endpoint).joined(separator: ", ")) is PendingConfirmation"
                )
            }
        }
        let problems = pending + missing
        if problems.isEmpty {
            return finding(.ok, "\(summary)", found: summary)
        }
        let confirmedRequired = required.filter { proto in
            found.subscriptions.contains { $0.protocol.lowercased() == proto && $0.confirmed }
        }
        let state: CheckState = confirmedRequired.isEmpty ? .critical : .warning
        let consequence =
            state == .critical
            ? " — alerts published to this topic reach nobody"
            : " — alerts reach only \(confirmedRequired.joined(separator: ", "))"
        return finding(
            state,
            "\(problems.joined(separator: "; ")); guide requires \(expected) (Phase 8.1)\(consequence)",
            found: summary,
            runbook: pending.isEmpty
                ? "aws sns subscribe --topic-arn \(topic.arn) --protocol … --notification-endpoint … --region \(region), then confirm it (Phase 8.1)"
                : "Confirm the pending subscription (the link in SNS's confirmation message), or re-send it: aws sns subscribe --topic-arn \(topic.arn) --region \(region) … (Phase 8.1)"
        )
    }

    static func summarize(_ subscriptions: [TopicObservation.Subscription]) -> String {
        guard !subscriptions.isEmpty else { return "no subscriptions" }
        return subscriptions.map {
            "\($0.protocol) \($0.endpoint) \($0.confirmed ? "confirmed" : "PendingConfirmation")"
        }
        .sorted().joined(separator: ", ")
    }

    // MARK: alerting.alarms

    /// Guide Phase 8.3/8.4: the six alarms exist, watch the right metric and dimensions with the
    /// right threshold (in the metric's real unit), notify an SNS topic, are not in ALARM, and can
    /// receive data at all. The guide puts all six in eu-west-1, but a CloudWatch alarm only sees
    /// metrics of its own region, and S3 publishes the latency metric in the destination bucket's
    /// region and storage metrics in the bucket's region.
    public static let alarms = Check(
        id: "alerting.alarms", evidence: [.configuration],
        promise: "The Phase 8 alarms exist where their metric is published, with the right threshold and an SNS action"
    ) { policy, observations, _, now in
        guard let monitoring = policy.monitoring else { return [] }
        let observed = observations.monitoring?.alarms ?? [:]
        return monitoring.alarms.map { promise in
            let matches = observed.compactMap { region, answer -> AlarmObservation? in
                answer.value?.first { $0.name == promise.name }
            }.sorted { $0.region < $1.region }
            // During a move both copies may exist: judge the one where the metric is published.
            let home = S3Metrics.region(metric: promise.metric, dimensions: promise.dimensions, buckets: policy.buckets)
            if let alarm = matches.first(where: { $0.region == home?.region }) ?? matches.first {
                let others = matches.filter { $0.region != alarm.region }.map(\.region)
                return alarmFinding(
                    promise, found: alarm, also: others, buckets: policy.buckets, now: now,
                    topics: observations.monitoring?.topics ?? [:])
            }
            // Not found anywhere we could see: only a verdict if every region answered.
            if let failed = observed.sorted(by: { $0.key < $1.key }).first(where: { $0.value.value == nil }),
                case .unavailable(let reason) = failed.value
            {
                return Catalog.unknown("alerting.alarms", resource: promise.name, reason, guide: "Phase 8")
            }
            if observed.isEmpty { return Catalog.notCollected("alerting.alarms", resource: promise.name) }
            return alarmFinding(
                promise, found: nil, searched: observed.keys.sorted(), buckets: policy.buckets, now: now)
        }
    }

    /// The decision for one alarm. Critical: missing; can never receive data (wrong region,
    /// wrong metric or dimensions, INSUFFICIENT_DATA far longer than its periods allow); a
    /// threshold so loose it effectively never fires (the guide's 900000 on a metric in
    /// seconds); no SNS action; in ALARM. Warning: a different threshold, a different topic than
    /// configured, a copy in a second region.
    public static func alarmFinding(
        _ promise: AlarmPromise, found: AlarmObservation?, searched: [String] = [], also: [String] = [],
        buckets: [BucketPolicy], now: Date, topics: [String: Observed<TopicObservation>] = [:]
    ) -> Finding {
        let published = S3Metrics.region(metric: promise.metric, dimensions: promise.dimensions, buckets: buckets)
        let home = published?.region ?? promise.region
        var issues: [(CheckState, String)] = []
        var runbook: String?
        let putAlarm =
            "aws cloudwatch put-metric-alarm --alarm-name \(promise.name) --region \(home ?? "REGION") … (Phase 8)"
        guard let alarm = found else {
            let where_ = searched.isEmpty ? "" : " in \(searched.joined(separator: ", "))"
            return Finding(
                check: "alerting.alarms", resource: promise.name, state: .critical,
                message:
                    "\(promise.name): alarm does not exist\(where_); guide requires it on \(promise.metric)\(home.map { " in \($0)" } ?? "") (Phase 8) — nothing alerts on it",
                expected: "exists", found: "missing", guide: "Phase 8", runbook: putAlarm)
        }
        // 1. Can it see its metric at all?
        if let published, alarm.region != published.region {
            issues.append(
                (
                    .critical,
                    "lives in \(alarm.region), but \(promise.metric) is published in \(published.region) (\(published.why)) and a CloudWatch alarm only sees metrics of its own region — it can never fire; it must live in \(published.region)"
                ))
            runbook =
                "Recreate it in \(published.region) (with an SNS topic of \(published.region)): aws cloudwatch put-metric-alarm --alarm-name \(promise.name) --region \(published.region) …; then aws cloudwatch delete-alarms --alarm-names \(promise.name) --region \(alarm.region)"
        } else if published == nil, let want = promise.region, alarm.region != want {
            issues.append((.warning, "lives in \(alarm.region); config expects \(want)"))
        }
        if !also.isEmpty {
            issues.append(
                (
                    .warning,
                    "an alarm of the same name also exists in \(also.joined(separator: ", ")) — delete the copy that cannot see the metric"
                ))
        }
        if let metric = alarm.metric, metric != promise.metric {
            issues.append((.critical, "watches \(metric); guide requires \(promise.metric)"))
        } else if alarm.metric == nil {
            issues.append((.critical, "watches no metric; guide requires \(promise.metric)"))
        }
        for (name, value) in promise.dimensions.sorted(by: { $0.key < $1.key }) where alarm.dimensions[name] != value {
            let got = alarm.dimensions[name].map { "\"\($0)\"" } ?? "absent"
            issues.append(
                (
                    .critical,
                    "dimension \(name) is \(got), the metric's is \"\(value)\" — the alarm watches a series that never gets data"
                ))
        }
        // 2. Would it fire at the promised threshold?
        let wantThreshold = expectedThreshold(promise, buckets: buckets)
        if let want = wantThreshold, let got = alarm.threshold, got != want {
            issues.append(thresholdIssue(metric: promise.metric, got: got, want: want, comparison: alarm.comparison))
        } else if let want = wantThreshold, alarm.threshold == nil {
            issues.append(
                (.warning, "has no static threshold; guide requires \(formatThreshold(want, metric: promise.metric))"))
        }
        // 3. Would anyone hear it?
        let snsActions = alarm.actions.filter { $0.hasPrefix("arn:aws:sns:") }
        if snsActions.isEmpty {
            issues.append(
                (
                    .critical,
                    "has no SNS alarm action — it changes state silently; guide notifies the alert topic (Phase 8)"
                ))
        } else if let topic = promise.topicARN, !snsActions.contains(topic) {
            issues.append(
                (
                    .warning,
                    "notifies \(snsActions.map(topicName).joined(separator: ", ")); config expects \(topicName(topic))"
                ))
        }
        // 3b. May it publish there? A topic policy that lets no CloudWatch alarm publish drops it.
        for topicARN in snsActions {
            let account = accountOf(arn: topicARN) ?? ""
            if let issue = publishIssue(
                topics[topicARN], topicARN: topicARN, publisher: .cloudWatch,
                sourceARN: "arn:aws:cloudwatch:\(alarm.region):\(account):alarm:\(alarm.name)", account: account,
                consequence: "the alarm fires into the void")
            {
                issues.append(issue)
            }
        }
        // 4. What does it say now?
        switch alarm.state {
        case "ALARM":
            issues.append(
                (.critical, "is in ALARM\(alarm.stateUpdatedAt.map { " since \(S3Metrics.timestamp($0))" } ?? "")"))
        case "INSUFFICIENT_DATA":
            if let since = alarm.stateUpdatedAt, let period = alarm.periodSeconds {
                let allowed = insufficientDataAllowance(
                    metric: promise.metric, periodSeconds: period, evaluationPeriods: alarm.evaluationPeriods ?? 1)
                let stuck = now.timeIntervalSince(since)
                if stuck > allowed {
                    issues.append(
                        (
                            .critical,
                            "has been INSUFFICIENT_DATA since \(S3Metrics.timestamp(since)) (\(S3Metrics.seconds(stuck))), longer than its \(period) s × \(alarm.evaluationPeriods ?? 1) periods allow (\(S3Metrics.seconds(allowed))) — its metric never arrives"
                        ))
                }
            }
        default:
            break
        }
        let summary =
            "\(alarm.state) in \(alarm.region), \(alarm.metric ?? "?")\(alarm.threshold.map { " \(alarm.comparison.map(comparisonSymbol) ?? "vs") \(formatThreshold($0, metric: alarm.metric ?? ""))" } ?? "")"
        guard !issues.isEmpty else {
            let target = snsActions.map(topicName).joined(separator: ", ")
            return Finding(
                check: "alerting.alarms", resource: promise.name, state: .ok,
                message: "\(promise.name): \(summary), notifies \(target)", expected: "fires via SNS", found: summary,
                guide: "Phase 8")
        }
        let state = CheckState.worst(issues.map(\.0))
        let ordered = issues.filter { $0.0 == state } + issues.filter { $0.0 != state }
        return Finding(
            check: "alerting.alarms", resource: promise.name, state: state,
            message: "\(promise.name): \(ordered.map(\.1).joined(separator: "; ")) (Phase 8)",
            expected: home.map { "in \($0), fires via SNS" } ?? "fires via SNS", found: summary, guide: "Phase 8",
            runbook: runbook ?? putAlarm)
    }

    /// The threshold the alarm must have, in the metric's unit. For ReplicationLatency the promise
    /// is the source's `latencyCriticalSeconds` (guide Phase 3: 15 min = 900 s); a configured
    /// threshold above a day is taken for the guide's millisecond reading and ignored.
    static func expectedThreshold(_ promise: AlarmPromise, buckets: [BucketPolicy]) -> Double? {
        guard promise.metric == "ReplicationLatency" else { return promise.threshold }
        let latency = buckets.first { $0.name == promise.dimensions["SourceBucket"] }?.replication?
            .latencyCriticalSeconds
        if let configured = promise.threshold, configured <= 86400 || latency == nil { return configured }
        return latency.map(Double.init)
    }

    /// A threshold other than promised. ReplicationLatency is published in seconds; the guide's
    /// lag alarms use 900000 believing milliseconds, which is 10.4 days: the alarm would fire only
    /// after a lag that long — critical, and the message says what the number must be. Any
    /// threshold ≥ 10× looser than promised is likewise critical; a smaller difference a warning.
    static func thresholdIssue(metric: String, got: Double, want: Double, comparison: String?) -> (CheckState, String) {
        let looserUpward = !(comparison ?? "GreaterThan").hasPrefix("LessThan")
        let ratio = looserUpward ? got / max(want, .leastNonzeroMagnitude) : want / max(got, .leastNonzeroMagnitude)
        let shown = formatThreshold(got, metric: metric)
        let should = formatThreshold(want, metric: metric)
        if metric == "ReplicationLatency", got == want * 1000 {
            return (
                .critical,
                "threshold \(shown): ReplicationLatency is in seconds, not milliseconds — it would fire only after a \(S3Metrics.seconds(got)) lag; the threshold should be \(should)"
            )
        }
        if ratio >= 10 {
            return (
                .critical,
                "threshold \(shown) is \(Int(ratio))× looser than the promised \(should) — it effectively never fires"
            )
        }
        return (.warning, "threshold \(shown); guide requires \(should)")
    }

    static func formatThreshold(_ value: Double, metric: String) -> String {
        switch metric {
        case "ReplicationLatency": return S3Metrics.seconds(value)
        case "BytesPendingReplication", "BucketSizeBytes": return S3Metrics.bytes(value)
        default: return value == value.rounded() ? "\(Int(value))" : "\(value)"
        }
    }

    static func comparisonSymbol(_ operator: String) -> String {
        switch `operator` {
        case "GreaterThanThreshold": ">"
        case "GreaterThanOrEqualToThreshold": "≥"
        case "LessThanThreshold": "<"
        case "LessThanOrEqualToThreshold": "≤"
        case "LessThanLowerThreshold": "< band"
        case "GreaterThanUpperThreshold": "> band"
        case "LessThanLowerOrGreaterThanUpperThreshold": "outside band"
        default: `operator`
        }
    }

    /// How long an alarm may sit in INSUFFICIENT_DATA before it is clearly blind: two full
    /// evaluation windows, plus 3 days for the daily S3 storage metrics, which arrive 1–3 days late.
    static func insufficientDataAllowance(metric: String, periodSeconds: Int, evaluationPeriods: Int) -> TimeInterval {
        let window = Double(periodSeconds * max(1, evaluationPeriods))
        let lateness: Double = ["NumberOfObjects", "BucketSizeBytes"].contains(metric) ? 3 * 86400 : 0
        return 2 * window + lateness
    }

    // MARK: alerting.eventbridge

    /// Guide Phase 8.2: in each region an EventBridge rule sends AWS Backup job failures to SNS.
    public static let eventbridge = Check(
        id: "alerting.eventbridge", evidence: [.configuration],
        promise: "The AWS Backup failure rules exist in both regions, ENABLED, targeting SNS"
    ) { policy, observations, _, _ in
        (policy.monitoring?.eventRules ?? []).map { promise in
            let resource = "\(promise.name) (\(promise.region))"
            guard let observed = observations.monitoring?.rules["\(promise.region)/\(promise.name)"] else {
                return Catalog.notCollected("alerting.eventbridge", resource: resource)
            }
            switch observed {
            case .unavailable(let reason):
                return Catalog.unknown("alerting.eventbridge", resource: resource, reason, guide: "Phase 8")
            case .value(let rule):
                return ruleFinding(promise, found: rule, topics: observations.monitoring?.topics ?? [:])
            }
        }
    }

    /// Severity: missing, not ENABLED, or without an SNS target → critical (backup failures go
    /// unannounced); an SNS target other than the configured topic, or a pattern that does not
    /// select AWS Backup events → warning.
    /// A target topic whose policy does not let `events.amazonaws.com` publish is critical: the
    /// rule matches, EventBridge's delivery is refused, and nobody hears of the failure (guide
    /// Step 8.2 grants it on the eu-west-1 topic only).
    public static func ruleFinding(
        _ promise: EventRulePromise, found: EventRuleObservation, topics: [String: Observed<TopicObservation>] = [:]
    ) -> Finding {
        let resource = "\(promise.name) (\(promise.region))"
        let runbook =
            "aws events put-rule --name \(promise.name) --event-pattern file://configs/monitoring-backup-failure-pattern.json --state ENABLED --region \(promise.region); aws events put-targets --rule \(promise.name) --targets Id=1,Arn=\(promise.topicARN) --region \(promise.region) (Phase 8.2)"
        func finding(_ state: CheckState, _ text: String, found: String) -> Finding {
            Finding(
                check: "alerting.eventbridge", resource: resource, state: state, message: "\(resource): \(text)",
                expected: "ENABLED → \(topicName(promise.topicARN))", found: found, guide: "Phase 8",
                runbook: state == .ok ? nil : runbook)
        }
        guard found.exists else {
            return finding(
                .critical,
                "rule does not exist; guide requires it ENABLED with target \(topicName(promise.topicARN)) (Phase 8.2) — AWS Backup failures go unannounced",
                found: "missing")
        }
        let state = found.state ?? "unknown"
        let sns = found.targetARNs.filter { $0.hasPrefix("arn:aws:sns:") }
        let summary = "\(state) → \(sns.isEmpty ? "no SNS target" : sns.map(topicName).joined(separator: ", "))"
        var issues: [(CheckState, String)] = []
        if !state.hasPrefix("ENABLED") {
            issues.append(
                (.critical, "rule is \(state); guide requires ENABLED (Phase 8.2) — AWS Backup failures go unannounced")
            )
        }
        if sns.isEmpty {
            issues.append(
                (
                    .critical,
                    "rule has no SNS target (targets: \(found.targetARNs.isEmpty ? "none" : found.targetARNs.joined(separator: ", "))); guide targets \(topicName(promise.topicARN)) (Phase 8.2)"
                ))
        } else if !sns.contains(promise.topicARN) {
            issues.append(
                (
                    .warning,
                    "rule targets \(sns.map(topicName).joined(separator: ", ")); config expects \(topicName(promise.topicARN))"
                ))
        }
        if let pattern = found.eventPattern, !pattern.contains("aws.backup") {
            issues.append(
                (.warning, "event pattern does not select source aws.backup — it will not see backup job failures"))
        }
        for topicARN in sns {
            let account = accountOf(arn: topicARN) ?? ""
            let ruleARN = "arn:aws:events:\(promise.region):\(account):rule/\(promise.name)"
            if let issue = publishIssue(
                topics[topicARN], topicARN: topicARN, publisher: .eventBridge, sourceARN: ruleARN, account: account,
                consequence: "AWS Backup failures in \(promise.region) reach nobody")
            {
                issues.append(issue)
            }
        }
        guard !issues.isEmpty else { return finding(.ok, summary, found: summary) }
        let worst = CheckState.worst(issues.map(\.0))
        let ordered = issues.filter { $0.0 == worst } + issues.filter { $0.0 != worst }
        return finding(worst, ordered.map(\.1).joined(separator: "; "), found: summary)
    }

    // MARK: topic policy

    /// Who publishes to an alert topic, as SNS sees the request.
    public enum Publisher: Sendable {
        /// An EventBridge rule target: principal `events.amazonaws.com`, aws:SourceArn the rule.
        case eventBridge
        /// A CloudWatch alarm action: principal `cloudwatch.amazonaws.com`, published on behalf of
        /// the alarm's account (which the default topic policy's AWS:SourceOwner condition admits).
        case cloudWatch

        public var principal: String {
            switch self {
            case .eventBridge: "events.amazonaws.com"
            case .cloudWatch: "cloudwatch.amazonaws.com"
            }
        }
    }

    /// The issue when the observed topic's policy does not allow `publisher` to sns:Publish; nil
    /// when it does, or when the topic or its policy was not observed (alerting.sns speaks for
    /// the topic itself).
    static func publishIssue(
        _ observed: Observed<TopicObservation>?, topicARN: String, publisher: Publisher, sourceARN: String,
        account: String, consequence: String
    ) -> (CheckState, String)? {
        guard case .value(let topic)? = observed, topic.exists, let policy = topic.policy else { return nil }
        let name = topicName(topicARN)
        switch mayPublish(policy, publisher: publisher, sourceARN: sourceARN, account: account) {
        case .allowed: return nil
        case .denied(let why):
            return (
                .critical,
                "topic \(name)'s policy does not allow \(publisher.principal) to sns:Publish (\(why)) — \(consequence); guide Step 8.2 grants it with aws sns set-topic-attributes --attribute-name Policy"
            )
        case .undetermined(let why):
            return (
                .warning,
                "cannot tell whether topic \(name)'s policy lets \(publisher.principal) publish (\(why))"
            )
        }
    }

    public enum PublishVerdict: Sendable, Equatable {
        case allowed
        /// Why not, printable: "no statement allows it", "denied by statement X".
        case denied(String)
        /// A condition mnemond cannot evaluate decides it.
        case undetermined(String)
    }

    /// IAM's evaluation for one request, over the statements mnemond can read: an explicit Deny
    /// wins, otherwise an Allow is needed. The request context: the publisher's service principal,
    /// aws:SourceArn (the rule or alarm), aws:SourceAccount; AWS:SourceOwner only for CloudWatch,
    /// which publishes as the alarm's owner.
    public static func mayPublish(
        _ statements: [TopicPolicyStatement], publisher: Publisher, sourceARN: String, account: String
    ) -> PublishVerdict {
        var context = ["aws:sourcearn": sourceARN, "aws:sourceaccount": account]
        if publisher == .cloudWatch { context["aws:sourceowner"] = account }
        func applies(_ s: TopicPolicyStatement) -> Bool? {
            let principal =
                s.anyPrincipal || s.services.contains(publisher.principal)
                || (publisher == .cloudWatch
                    && s.awsPrincipals.contains { $0 == account || $0 == "arn:aws:iam::\(account):root" })
            let action = s.actions.contains { ["sns:publish", "sns:*", "*"].contains($0.lowercased()) }
            guard principal, action else { return false }
            var verdict: Bool? = true
            for condition in s.conditions {
                switch conditionHolds(condition, context: context) {
                case false?: return false
                case nil: verdict = nil
                case true?: break
                }
            }
            return verdict
        }
        var undetermined: String?
        for s in statements where s.effect == "Deny" {
            switch applies(s) {
            case true?: return .denied("denied by statement \(s.sid ?? "without Sid")")
            case nil: undetermined = "statement \(s.sid ?? "without Sid") has a condition mnemond cannot evaluate"
            case false?: break
            }
        }
        for s in statements where s.effect == "Allow" {
            switch applies(s) {
            case true?: return undetermined.map(PublishVerdict.undetermined) ?? .allowed
            case nil: undetermined = "statement \(s.sid ?? "without Sid") has a condition mnemond cannot evaluate"
            case false?: break
            }
        }
        if let undetermined { return .undetermined(undetermined) }
        return .denied("no statement allows it")
    }

    /// String and ARN operators on the request's keys. nil: an operator or key mnemond does not
    /// evaluate. A key absent from the request fails the condition (unless `…IfExists`).
    static func conditionHolds(_ condition: TopicPolicyStatement.Condition, context: [String: String]) -> Bool? {
        var op = condition.operator
        let ifExists = op.hasSuffix("IfExists")
        if ifExists { op = String(op.dropLast("IfExists".count)) }
        let key = condition.key.lowercased()
        guard ["aws:sourcearn", "aws:sourceaccount", "aws:sourceowner"].contains(key) else { return nil }
        guard let value = context[key] else { return ifExists }
        switch op {
        case "StringEquals", "ArnEquals": return condition.values.contains(value)
        case "StringEqualsIgnoreCase": return condition.values.contains { $0.lowercased() == value.lowercased() }
        case "StringLike", "ArnLike": return condition.values.contains { wildcard($0, matches: value) }
        case "StringNotEquals", "ArnNotEquals": return !condition.values.contains(value)
        case "StringNotLike", "ArnNotLike": return !condition.values.contains { wildcard($0, matches: value) }
        default: return nil
        }
    }

    /// IAM's `*` (any run) and `?` (one character) wildcards.
    static func wildcard(_ pattern: String, matches text: String) -> Bool {
        let p = Array(pattern)
        let t = Array(text)
        var memo: [Int: Bool] = [:]
        func match(_ i: Int, _ j: Int) -> Bool {
            let key = i * (t.count + 1) + j
            if let known = memo[key] { return known }
            let result: Bool
            if i == p.count {
                result = j == t.count
            } else if p[i] == "*" {
                result = match(i + 1, j) || (j < t.count && match(i, j + 1))
            } else {
                result = j < t.count && (p[i] == "?" || p[i] == t[j]) && match(i + 1, j + 1)
            }
            memo[key] = result
            return result
        }
        return match(0, 0)
    }

    static func accountOf(arn: String) -> String? {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count >= 6 && !parts[4].isEmpty ? String(parts[4]) : nil
    }

    // MARK: helpers

    /// `arn:aws:sns:eu-west-1:828879644785:mnemonica-backup-alerts` → `mnemonica-backup-alerts`.
    static func topicName(_ arn: String) -> String {
        arn.split(separator: ":", omittingEmptySubsequences: false).last.map(String.init) ?? arn
    }

    static func regionOf(arn: String) -> String? {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count >= 6 && !parts[3].isEmpty ? String(parts[3]) : nil
    }
}
