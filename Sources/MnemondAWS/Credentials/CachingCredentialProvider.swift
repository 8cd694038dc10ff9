import Foundation

/// Caches another provider's credentials: long-term keys (no expiration) for the life of the
/// process, temporary ones until they come within `refreshWindow` of expiring.
///
/// Refresh is single-flight: callers arriving while a fetch runs await that same fetch. If a
/// refresh fails while the cached credentials have not yet expired, those keep being served
/// (and the next call tries again), so a brief STS or metadata outage does not fail requests.
public actor CachingCredentialProvider: CredentialProvider {
    enum State {
        case idle
        case refreshing(Task<AWSCredentials, any Error>)
        case cached(AWSCredentials)
    }

    public nonisolated let name: String
    let base: any CredentialProvider
    let refreshWindow: Duration
    let now: @Sendable () -> Date
    private(set) var state: State = .idle
    /// Callers currently awaiting a refresh started by another caller (observed by tests).
    private(set) var joinedRefreshWaiters = 0

    /// The 5-minute default leaves room for clock skew and a slow refresh before STS session
    /// credentials (15 min – 12 h) or instance credentials (≈ 6 h) expire.
    public init(
        _ base: any CredentialProvider, refreshWindow: Duration = .seconds(300),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.base = base
        self.name = base.name
        self.refreshWindow = refreshWindow
        self.now = now
    }

    public func credentials() async throws -> AWSCredentials {
        switch state {
        case .cached(let credentials) where !needsRefresh(credentials):
            return credentials
        case .refreshing(let task):
            joinedRefreshWaiters += 1
            defer { joinedRefreshWaiters -= 1 }
            return try await task.value
        case .cached(let credentials):
            return try await refresh(keeping: credentials)
        case .idle:
            return try await refresh(keeping: nil)
        }
    }

    private func refresh(keeping previous: AWSCredentials?) async throws -> AWSCredentials {
        let base = self.base
        let now = self.now
        let task = Task {
            do {
                return try await base.credentials()
            } catch {
                if let previous, let expiration = previous.expiration, now() < expiration {
                    return previous
                }
                throw error
            }
        }
        state = .refreshing(task)
        do {
            let credentials = try await task.value
            state = .cached(credentials)
            return credentials
        } catch {
            state = .idle
            throw error
        }
    }

    private func needsRefresh(_ credentials: AWSCredentials) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        let (seconds, attoseconds) = refreshWindow.components
        let window = Double(seconds) + Double(attoseconds) / 1e18
        return expiration.timeIntervalSince(now()) < window
    }
}
