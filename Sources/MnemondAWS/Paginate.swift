import Foundation

/// Follows a paginated API to the end. `fetch` gets the token of the page to ask for (nil for the
/// first) and returns the page's items and the next token (NextToken, Marker or
/// ContinuationToken — the caller maps its style). Stops at `maxPages` so a service that keeps
/// answering with the same token cannot loop forever.
public func paginate<Item: Sendable>(
    maxPages: Int = 1000,
    _ fetch: (_ token: String?) async throws -> (items: [Item], next: String?)
) async throws -> [Item] {
    try await walkPages(maxPages: maxPages, fetch) { readSoFar in readSoFar }
}

/// Like `paginate`, for a listing whose missing items would be read as facts (the caller asks
/// only for what is listed): a token the service already gave, or more than `maxPages` pages,
/// throws `incomplete()` instead of returning the pages read so far.
public func paginateCompletely<Item: Sendable>(
    maxPages: Int = 1000, incomplete: () -> any Error,
    _ fetch: (_ token: String?) async throws -> (items: [Item], next: String?)
) async throws -> [Item] {
    try await walkPages(maxPages: maxPages, fetch) { _ in throw incomplete() }
}

/// The pages up to the last one, or `cutShort(readSoFar)` when a token repeats or `maxPages`
/// pages were not enough.
private func walkPages<Item: Sendable>(
    maxPages: Int, _ fetch: (_ token: String?) async throws -> (items: [Item], next: String?),
    cutShort: ([Item]) throws -> [Item]
) async throws -> [Item] {
    var items: [Item] = []
    var token: String?
    var seen: Set<String> = []
    for _ in 0..<maxPages {
        let page = try await fetch(token)
        items += page.items
        guard let next = page.next, !next.isEmpty else { return items }
        guard seen.insert(next).inserted else { return try cutShort(items) }
        token = next
    }
    return try cutShort(items)
}
