import Foundation
import MnemondModel

public enum AccountChecks {
    public static let all: [Check] = [identity]

    /// Guide Prerequisites: every command runs as account 828879644785 (profile `mnemonica`).
    /// Credentials of another account mean every other check looked at the wrong estate: critical.
    public static let identity = Check(
        id: "account.identity", evidence: [.configuration], promise: "The credentials resolve to the guide's account"
    ) { policy, observations, _, _ in
        let resource = "account"
        guard let observed = observations.identity else {
            return [Catalog.notCollected("account.identity", resource: resource)]
        }
        switch observed {
        case .unavailable(let reason):
            return [Catalog.unknown("account.identity", resource: resource, reason, guide: "Prerequisites")]
        case .value(let identity):
            let ok = identity.account == policy.accountID
            return [
                Finding(
                    check: "account.identity", resource: resource, state: ok ? .ok : .critical,
                    message: ok
                        ? "account: credentials resolve to \(identity.account)"
                        : "account: credentials resolve to account \(identity.account) (\(identity.arn)); guide requires \(policy.accountID) (Prerequisites) — wrong profile? every other result describes the wrong estate",
                    expected: policy.accountID, found: identity.account, guide: "Prerequisites",
                    runbook: ok
                        ? nil
                        : "Use the guide's profile: --profile mnemonica (aws sts get-caller-identity --profile mnemonica)"
                )
            ]
        }
    }

    /// The account the credentials resolve to when it is not the guide's; nil when it is, or when
    /// the identity is unknown (then the other checks still say what they saw).
    public static func foreignAccount(_ policy: Policy, _ observations: Observations) -> String? {
        guard let identity = observations.identity?.value, identity.account != policy.accountID else { return nil }
        return identity.account
    }
}
