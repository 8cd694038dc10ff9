import Foundation
import MnemondAWS
import MnemondHTTP
import MnemondSigV4
import MnemondTestSupport
import Testing

/// Each service's share of the HTTP workers (`ConcurrencyShares`) against the simulator, S3
/// behind the fault proxy: a slow or bulk service does not hold another service's call, and a
/// throttling answer lowers that service's concurrency. Nothing is timed: the proxy holds S3's
/// answers for `hold`, far longer than any other call takes even on a loaded machine, and every
/// assertion is about what had happened while they were held.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ServiceSharesTests {
    static let hold = 20.0
    static let region = "eu-west-1"

    /// A pool of 4 workers (S3's share: 3); S3 through `proxy`, every other service direct.
    static func client(_ simulator: AWSSimulator, s3 proxy: FaultProxy) -> AWSClient {
        let credentials = AWSCredentials(
            signing: SigV4Credentials(
                accessKeyID: simulator.accessKeyID, secretAccessKey: simulator.secretAccessKey, sessionToken: nil),
            source: "test")
        return AWSClient(
            credentials: StaticCredentialProvider(credentials),
            http: HTTPClient(configuration: HTTPClientConfiguration(maxConcurrentRequests: 4)),
            endpoints: EndpointResolver(environment: [
                "AWS_ENDPOINT_URL": simulator.endpoint.absoluteString,
                "AWS_ENDPOINT_URL_S3": proxy.endpoint.absoluteString,
            ]),
            retry: RetryPolicy(maxAttempts: 1))
    }

    actor Tally {
        var count = 0
        func add() { count += 1 }
    }

    /// `count` S3 calls at once; each answered one is tallied. Cancel the task to abandon them.
    static func bulk(_ client: AWSClient, _ count: Int, answered: Tally) -> Task<Void, Never> {
        Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<count {
                    group.addTask {
                        _ = try? await S3(client: client).getBucketVersioning(bucket: "mne-media-prod", region: region)
                        if !Task.isCancelled { await answered.add() }
                    }
                }
            }
        }
    }

    /// Polls until `condition` holds; fails the test if it never does within a minute.
    static func until(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<600 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("never: \(what)")
    }

    @Test func aBulkServiceDoesNotDelayAnotherServicesCall() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let proxy = try await FaultProxy.start(upstream: simulator.endpoint)
        let client = Self.client(simulator, s3: proxy)
        #expect(await client.concurrencyShare(.s3, region: Self.region).limit == 3)
        try await proxy.set(.init("delay", seconds: Self.hold))
        let answered = Tally()
        let bulk = Self.bulk(client, 8, answered: answered)
        // S3 holds its share, 3 of the 4 workers; its other 5 calls wait in the client.
        try await Self.until("3 S3 calls held by the proxy, 5 waiting") {
            let share = await client.concurrencyShare(.s3, region: Self.region)
            return try await proxy.stats().faulted == 3 && share.waiting == 5
        }
        // STS goes in the worker left free: answered while every S3 call is still held. With one
        // first-come-first-served pool it would have waited behind all 8 (two rounds of `hold`).
        let identity = try await STS(client: client).getCallerIdentity(region: Self.region)
        #expect(identity.account == simulator.account)
        #expect(await answered.count == 0)
        #expect(try await proxy.stats().faulted == 3)
        #expect(
            await client.concurrencyShare(.s3, region: Self.region)
                == ConcurrencyShares.Share(limit: 3, inFlight: 3, waiting: 5))
        bulk.cancel()
        await bulk.value
        await proxy.stop()
    }

    @Test func aThrottlingAnswerLowersThatServicesConcurrency() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let proxy = try await FaultProxy.start(upstream: simulator.endpoint)
        let client = Self.client(simulator, s3: proxy)
        try await proxy.set(.init("slowdown", times: 1))
        do {
            _ = try await S3(client: client).getBucketVersioning(bucket: "mne-media-prod", region: Self.region)
            Issue.record("the proxy's SlowDown was not an error")
        } catch let error as AWSError {
            #expect(error.code == "SlowDown" && error.status == 503)
        }
        // Halved from 3 (integer halving); S3 in another region and other services keep theirs.
        #expect(await client.concurrencyShare(.s3, region: Self.region).limit == 1)
        #expect(await client.concurrencyShare(.s3, region: "eu-west-3").limit == 3)
        #expect(await client.concurrencyShare(.sts, region: Self.region).limit == 3)

        try await proxy.reset()
        try await proxy.set(.init("delay", seconds: Self.hold))
        let answered = Tally()
        let bulk = Self.bulk(client, 3, answered: answered)
        try await Self.until("1 S3 call held by the proxy, 2 waiting") {
            let share = await client.concurrencyShare(.s3, region: Self.region)
            return try await proxy.stats().faulted == 1 && share.waiting == 2
        }
        // Another service's call in the meantime; S3 still has one call at AWS, not its 3.
        _ = try await STS(client: client).getCallerIdentity(region: Self.region)
        #expect(try await proxy.stats().faulted == 1)
        #expect(
            await client.concurrencyShare(.s3, region: Self.region)
                == ConcurrencyShares.Share(limit: 1, inFlight: 1, waiting: 2))
        #expect(await answered.count == 0)
        bulk.cancel()
        await bulk.value
        await proxy.stop()
    }
}
