import CCurlShim
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// HTTP(S) and SMTP(S) over libcurl.
///
/// Concurrency design: a pool of at most `maxConcurrentRequests` workers, each one curl easy
/// handle owned by an actor that runs on its own serial DispatchQueue (`CurlWorker`). `send`
/// takes a worker (waiting in FIFO order when all are busy), awaits the blocking
/// curl_easy_perform on that worker's queue, and gives the worker back. The cooperative
/// thread pool never blocks; the number of blocked Dispatch threads is bounded by the pool.
/// The handle is reused, so its connections are kept alive between requests. We chose this
/// over curl's multi interface with a poll loop because it keeps each transfer a plain
/// sequential function and needs no event loop of our own; the cost is one thread per
/// concurrent transfer, which is small at the daemon's request rates.
public final class HTTPClient: Sendable {
    public let configuration: HTTPClientConfiguration
    private let pool: WorkerPool
    private let logger: Logger

    public init(
        configuration: HTTPClientConfiguration = .init(),
        logger: Logger = Logger(label: "mnemond.http")
    ) {
        // curl_global_init is not thread-safe in every build; the shim runs it once.
        _ = ccurl_global_init_once()
        // With CURLOPT_NOSIGNAL curl does not mask SIGPIPE, and OpenSSL writing to a socket the
        // peer closed would kill the daemon. Ignoring it process-wide is what libcurl advises.
        signal(SIGPIPE, SIG_IGN)
        self.configuration = configuration
        self.pool = WorkerPool(limit: configuration.maxConcurrentRequests)
        self.logger = logger
    }

    /// Sends one request and returns the final response, whatever its status. Redirects are
    /// not followed. Throws `HTTPError` when no response was received, `CancellationError`
    /// when the task was cancelled (a running transfer is aborted within about a second).
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let started = ContinuousClock.now
        let worker = try await pool.acquire(shutDown: .shutDown(request.method, request.url))
        let flag = CancellationFlag()
        do {
            let response = try await withTaskCancellationHandler {
                try await worker.perform(request, configuration: configuration, cancellation: flag)
            } onCancel: {
                flag.cancel()
            }
            await pool.release(worker)
            logger.debug(
                "http response",
                metadata: [
                    "method": "\(request.method)", "host": "\(HTTPError.hostLabel(request.url))",
                    "status": "\(response.status)", "ms": "\(Self.milliseconds(since: started))",
                ])
            return response
        } catch {
            await pool.release(worker)
            if let error = error as? HTTPError {
                logger.debug(
                    "http failure",
                    metadata: [
                        "method": "\(error.method)", "host": "\(error.host)", "kind": "\(error.kind)",
                        "curl": "\(error.curlCode)", "ms": "\(Self.milliseconds(since: started))",
                    ])
            }
            throw error
        }
    }

    /// Stops accepting requests, fails those waiting for a worker, waits for those in flight
    /// and closes all connections. Later calls to `send` throw.
    public func shutdown() async {
        await pool.shutdown()
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }
}

extension HTTPClient {
    /// Submits one message over SMTP (STARTTLS as configured, AUTH when a username is set).
    /// Returns once the server accepted the DATA; a refused recipient fails the whole send.
    /// TLS verification and the CA bundle come from the client's configuration.
    public func sendMail(_ message: MailMessage, via smtp: SMTPConfiguration) async throws {
        let started = ContinuousClock.now
        let worker = try await pool.acquire(shutDown: .shutDown("SMTP", smtp.url))
        let flag = CancellationFlag()
        do {
            try await withTaskCancellationHandler {
                try await worker.perform(message, via: smtp, configuration: configuration, cancellation: flag)
            } onCancel: {
                flag.cancel()
            }
            await pool.release(worker)
            logger.debug(
                "mail accepted",
                metadata: [
                    "host": "\(HTTPError.hostLabel(smtp.url))", "recipients": "\(message.recipients.count)",
                    "bytes": "\(message.rfc822.count)", "ms": "\(Self.milliseconds(since: started))",
                ])
        } catch {
            await pool.release(worker)
            throw error
        }
    }
}
